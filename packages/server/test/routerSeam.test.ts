import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { waitUntil } from '@confab/loadtest';
import { RelayedRouter } from './support/RelayedRouter';
import { startTestServer, type TestServer } from './support/testServer';
import { WsClient } from './support/wsClient';

// The edge talks to rooms only through the RoomRouter seam. Here every command and every message
// back crosses a bus (wire JSON, a turn of the event loop later), as between the node holding a
// socket and the node owning the room: signaling must behave exactly as on one node.
let t: TestServer;
let bus: RelayedRouter | undefined;
const clients: WsClient[] = [];
before(async () => {
  t = await startTestServer(
    { CONFAB_MAX_PARTICIPANTS_PER_ROOM: '2', CONFAB_RESUME_WINDOW_SECONDS: '5' },
    { wrapRouter: (router) => (bus = new RelayedRouter(router)) },
  );
});
after(async () => {
  for (const c of clients) c.close();
  await t.stop();
});

async function client(): Promise<WsClient> {
  const c = await WsClient.open(t.wsUrl);
  clients.push(c);
  return c;
}

let roomCounter = 0;
const freshRoom = () => `seam-${process.pid}-${++roomCounter}`;

test('join, presence, chat and leave work through a relayed router, and really crossed it', async () => {
  const room = freshRoom();
  const before = bus!.crossings;
  const ann = await client();
  const bob = await client();
  await ann.join(room, 'Ann');
  const bobJoined = await bob.join(room, 'Bob');
  assert.deepEqual(bobJoined.participants.map((p) => p.name), ['Ann']);
  assert.equal((await ann.next('participant_joined')).participant.id, bobJoined.self.id);

  bob.send({ type: 'chat', id: 2, text: 'over the bus' });
  await bob.next('ack', (m) => m.id === 2);
  assert.equal((await ann.next('chat')).text, 'over the bus');

  bob.send({ type: 'leave', id: 3 });
  assert.equal((await ann.next('participant_left')).reason, 'left');
  assert.equal(await bob.closed(), 1000);
  assert.ok(bus!.crossings - before >= 8, `signaling went over the bus (${bus!.crossings - before} crossings)`);
});

test('first joins of one new room in the same instant end in one room', async () => {
  const room = freshRoom();
  const [a, b] = await Promise.all([client(), client()]);
  const [aj, bj] = await Promise.all([a.join(room, 'A'), b.join(room, 'B')]);
  assert.equal(aj.participants.length + bj.participants.length, 1, 'the second sees the first');
  assert.equal([...t.server.directory.rooms()].filter((r) => r.name === room).length, 1);
});

test('error codes come back through the session: room full, a command before joining, an unknown resume', async () => {
  const room = freshRoom();
  const [a, b, c] = await Promise.all([client(), client(), client()]);
  await a.join(room, 'A');
  await b.join(room, 'B');
  await assert.rejects(c.join(room, 'C'), /resource_exhausted/);

  const stranger = await client();
  stranger.send({ type: 'chat', id: 9, text: 'hello?' });
  assert.equal((await stranger.next('error', (m) => m.id === 9)).code, 'failed_precondition');

  stranger.send({ type: 'resume', id: 10, v: 1, room, participantId: 'p'.repeat(16), token: 'x'.repeat(24), lastSeq: 0 });
  assert.equal((await stranger.next('error', (m) => m.id === 10)).code, 'not_found');

  a.send({ type: 'unpublish', id: 11, source: 'camera' });
  const refused = await a.next('error', (m) => m.id === 11);
  assert.ok(refused.code.length > 0, 'a failed room command is answered with an error, sequenced through the session');
});

test('a session lost without a goodbye resumes on a new socket through the router, missed messages replayed', async () => {
  const room = freshRoom();
  const ann = await client();
  const bob = await client();
  await ann.join(room, 'Ann');
  const bobJoined = await bob.join(room, 'Bob');
  bob.socket.terminate();
  await waitUntil(() => ann.all('participant_updated').some((m) => m.participant.connection === 'reconnecting'), 5000, 'Bob shown reconnecting');
  ann.send({ type: 'chat', id: 5, text: 'while you were away' });
  await ann.next('ack', (m) => m.id === 5);

  const again = await client();
  again.send({ type: 'resume', id: 1, v: 1, room, participantId: bobJoined.self.id, token: bobJoined.session.resumeToken, lastSeq: bob.lastSeq });
  await again.next('resumed');
  assert.equal((await again.next('chat')).text, 'while you were away');
  assert.equal(ann.all('participant_left').length, 0, 'nobody saw Bob leave');
});

/**
 * A room that throws internally fails alone (docs/reliability.md "Isolation and shutdown"): a bug
 * is injected into the real media engine of one room only; a call with real media in another room
 * must not notice.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { HeadlessParticipant, waitUntil } from '@confab/loadtest';
import type { RoomName } from '@confab/protocol';
import { FaultyMedia } from './support/faultyMedia';
import { startTestServer, type TestServer } from './support/testServer';
import { WsClient } from './support/wsClient';

const T = 15_000;
let t: TestServer;
let media: FaultyMedia;
const clients: WsClient[] = [];
let alice: HeadlessParticipant;
let bob: HeadlessParticipant;

before(async () => {
  t = await startTestServer({}, { wrapMedia: (engine) => (media = new FaultyMedia(engine)) });
  // The call that must carry on: two headless participants sending VP8 and Opus to each other.
  alice = new HeadlessParticipant({ url: t.wsUrl, room: 'healthy', name: 'Alice' });
  bob = new HeadlessParticipant({ url: t.wsUrl, room: 'healthy', name: 'Bob' });
  await alice.join();
  await bob.join();
  await Promise.all([alice.publishCamera(), alice.publishMicrophone(), bob.publishCamera()]);
  await waitUntil(() => allFlowing(), T, () => `healthy call flowing: ${JSON.stringify([alice.stats(), bob.stats()])}`);
});
after(async () => {
  for (const c of clients) c.close();
  await Promise.all([alice?.close(), bob?.close()]);
  await t.stop();
});

function allFlowing(): boolean {
  return bob.receivedPackets().length === 2 && alice.receivedPackets().length === 1 && [...bob.receivedPackets(), ...alice.receivedPackets()].every((n) => n > 20);
}

/** Every track of the healthy call gains `n` more packets. */
async function healthyCallKeepsForwarding(n = 50): Promise<void> {
  const start = [...alice.receivedPackets(), ...bob.receivedPackets()];
  await waitUntil(
    () => [...alice.receivedPackets(), ...bob.receivedPackets()].every((p, i) => p >= start[i]! + n),
    T,
    () => `healthy call still forwarding (from ${start} to ${[...alice.receivedPackets(), ...bob.receivedPackets()]})`,
  );
  assert.deepEqual([...alice.errors, ...bob.errors], [], 'the healthy call saw no error');
  assert.equal(alice.others.size, 1, 'Alice still sees Bob');
  assert.equal(bob.others.size, 1, 'Bob still sees Alice');
  assert.equal(t.server.directory.get('healthy' as RoomName)?.size, 2);
}

async function client(): Promise<WsClient> {
  const c = await WsClient.open(t.wsUrl);
  clients.push(c);
  return c;
}

/** Both members of the failed room are told in words, then let go with 1011. */
async function expectRoomFailedFor(room: string, members: WsClient[]): Promise<void> {
  for (const member of members) {
    const error = await member.next('error', (m) => m.id === undefined);
    assert.equal(error.code, 'internal');
    assert.equal(error.message, `room "${room}" hit a server error and was closed; join it again to start a fresh one`);
    assert.equal(await member.closed(), 1011);
  }
}

test('a bug while a room handles a command: its members get an error and are let go, its media is released, the other call carries on', async () => {
  const [ann, ben] = [await client(), await client()];
  const annJoined = await ann.join('doomed', 'Ann');
  await ben.join('doomed', 'Ben');
  const doomed = t.server.directory.get('doomed' as RoomName)!;
  // Ann and Ben have no transports yet (made on first use): the 4 are the healthy call's.
  assert.deepEqual({ routers: media.stats().routers, transports: media.stats().transports }, { routers: 2, transports: 4 });

  media.arm('doomed', 'produce');
  ann.send({ type: 'publish', id: 5, source: 'camera', mid: '0' });
  await expectRoomFailedFor('doomed', [ann, ben]);
  assert.equal(media.fired, 1);
  assert.equal(doomed.isClosed, true);
  assert.equal(t.server.directory.get('doomed' as RoomName), undefined);
  assert.deepEqual(
    { routers: media.stats().routers, transports: media.stats().transports, producers: media.stats().producers },
    { routers: 1, transports: 4, producers: 3 },
    'only the healthy call\'s media is left',
  );
  const logged = t.logs.find((line) => line['msg'] === 'room failed; closing it');
  assert.equal(logged?.['room'], 'doomed');
  assert.match(String((logged?.['err'] as { message?: string } | undefined)?.message), /injected fault: produce/);

  await healthyCallKeepsForwarding();
  assert.equal((await fetch(`${t.httpUrl}/healthz`)).status, 200);

  // After 1011 the SDK reconnects and tries to resume first: that session is gone, so it rejoins.
  const back = await client();
  back.send({ type: 'resume', id: 1, v: 1, room: 'doomed', participantId: annJoined.self.id, token: annJoined.session.resumeToken, lastSeq: ann.lastSeq });
  assert.equal((await back.next('error', (m) => m.id === 1)).code, 'not_found');

  // A later join of the same name starts a fresh room that works.
  const cy = await client();
  const joined = await cy.join('doomed', 'Cy');
  assert.deepEqual(joined.participants, [], 'nobody from the failed room is listed');
  assert.notEqual(t.server.directory.get('doomed' as RoomName), doomed);
  cy.send({ type: 'publish', id: 6, source: 'camera', mid: '0' });
  await cy.next('ack', (m) => m.id === 6);
  cy.close();
});

test('a bug while a room admits a joiner: the joiner gets an error and may join again, the members are let go', async () => {
  const [dora, eli] = [await client(), await client()];
  await dora.join('doomed-2', 'Dora');
  dora.send({ type: 'publish', id: 2, source: 'camera', mid: '0' });
  await dora.next('ack', (m) => m.id === 2);
  const doomed = t.server.directory.get('doomed-2' as RoomName)!;

  // Admitting Eli subscribes him to Dora's camera: his subscribe transport is made then.
  media.arm('doomed-2', 'createTransport');
  eli.send({ type: 'join', id: 1, v: 1, room: 'doomed-2', name: 'Eli' });
  const refused = await eli.next('error', (m) => m.id === 1);
  assert.equal(refused.code, 'internal');
  await expectRoomFailedFor('doomed-2', [dora]);
  assert.equal(doomed.isClosed, true);

  const joined = await eli.join('doomed-2', 'Eli', 2);
  assert.deepEqual(joined.participants, [], 'a fresh room, on the same connection');
  assert.equal(eli.closeCode, undefined);
  await healthyCallKeepsForwarding();
});

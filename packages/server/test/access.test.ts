/**
 * Who may join and what they may do, on one node: the token-mode cases (accessCases), then open
 * mode's host (the first person in moderates; the next one takes over when they leave) and bans
 * held across a reload by the browser's own identity.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { accessCases, joined, joinWith, request, TOKEN_MODE_ENV } from './support/accessCases';
import { startTestServer, type TestServer } from './support/testServer';
import { WsClient } from './support/wsClient';

let tokenMode: TestServer;
let openMode: TestServer;
const clients: WsClient[] = [];
before(async () => {
  [tokenMode, openMode] = await Promise.all([startTestServer({ ...TOKEN_MODE_ENV }), startTestServer()]);
});
after(async () => {
  for (const c of clients) c.close();
  await Promise.all([tokenMode.stop(), openMode.stop()]);
});

async function client(server: TestServer): Promise<WsClient> {
  const c = await WsClient.open(server.wsUrl);
  clients.push(c);
  return c;
}

let roomCounter = 0;
const freshRoom = () => `access-${process.pid}-${++roomCounter}`;

accessCases({ client: () => client(tokenMode), freshRoom });

test('open mode: the first person in hosts the meeting; when they leave, the longest-present one does', async () => {
  const room = freshRoom();
  const [ann, bob, cat] = [await client(openMode), await client(openMode), await client(openMode)];
  const annJoined = await joined(ann, room, { name: 'Ann' });
  assert.equal(annJoined.self.moderator, true);
  assert.equal(annJoined.permissions.moderator, true);
  const bobJoined = await joined(bob, room, { name: 'Bob' });
  assert.equal(bobJoined.self.moderator, false);
  await joined(cat, room, { name: 'Cat' });
  assert.equal((await request(bob, { type: 'update_room', locked: true })).type, 'error');
  ann.close();
  assert.equal((await bob.next('permissions', (m) => m.permissions.moderator)).permissions.moderator, true);
  assert.equal((await cat.next('participant_updated', (m) => m.participant.moderator)).participant.id, bobJoined.self.id);
  assert.equal((await request(bob, { type: 'update_room', locked: true })).type, 'ack');
});

test('open mode: a ban holds against the browser\'s own identity across a reload', async () => {
  const room = freshRoom();
  const [host, guest] = [await client(openMode), await client(openMode)];
  await joined(host, room, { name: 'Host', identity: 'browser-host' });
  const guestJoined = await joined(guest, room, { name: 'Guest', identity: 'browser-guest' });
  assert.equal(guestJoined.self.identity, 'browser-guest');
  await request(host, { type: 'remove_participant', participantId: guestJoined.self.id, banSeconds: 60 });
  assert.equal(await guest.closed(), 4003);
  const reloaded = await client(openMode);
  const refused = await joinWith(reloaded, room, { name: 'Guest', identity: 'browser-guest' });
  assert.deepEqual([refused.type, refused.type === 'error' && refused.reason], ['error', 'banned']);
});

test('metrics: refused joins by reason and moderation actions', async () => {
  const metrics = await (await fetch(`${tokenMode.httpUrl}/metrics`)).text();
  for (const reason of ['token_missing', 'token_expired', 'banned', 'room_locked', 'password_wrong', 'lobby_denied']) {
    assert.match(metrics, new RegExp(`^confab_joins_refused_total\\{[^}]*reason="${reason}"[^}]*\\} [1-9]`, 'm'), reason);
  }
  for (const action of ['mute_participant', 'remove_participant', 'update_room', 'lobby_decision', 'end_meeting']) {
    assert.match(metrics, new RegExp(`^confab_moderation_actions_total\\{[^}]*action="${action}"[^}]*\\} [1-9]`, 'm'), action);
  }
});

/**
 * A server whose own event loop stalls longer than the heartbeat timeout (a burst of work in a big
 * room) must not take its clients for silent: their pongs are waiting, unread, in its sockets.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { startTestServer, type TestServer } from './support/testServer';
import { WsClient } from './support/wsClient';

const INTERVAL_MS = 200;
const TIMEOUT_MS = 600;

let t: TestServer;
before(async () => {
  t = await startTestServer({ CONFAB_HEARTBEAT_INTERVAL_MS: String(INTERVAL_MS), CONFAB_HEARTBEAT_TIMEOUT_MS: String(TIMEOUT_MS) });
});
after(async () => {
  await t.stop();
});

/** Holds this process (server and clients alike) for `ms`, as a long synchronous task would. */
function stall(ms: number): void {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    // busy: no timers, no sockets
  }
}

test('after the server itself stalled for 3× the heartbeat timeout, answering clients stay connected', async () => {
  const ann = await WsClient.open(t.wsUrl, { heartbeatMs: INTERVAL_MS });
  const bob = await WsClient.open(t.wsUrl, { heartbeatMs: INTERVAL_MS });
  ann.send({ type: 'join', id: 1, v: 1, room: 'stall', name: 'Ann' });
  bob.send({ type: 'join', id: 1, v: 1, room: 'stall', name: 'Bob' });
  await Promise.all([ann.next('joined'), bob.next('joined')]);
  await sleep(3 * INTERVAL_MS); // a few pings and pongs
  stall(3 * TIMEOUT_MS);
  await sleep(4 * INTERVAL_MS); // beats after the stall: clients answer the pings again
  assert.equal(ann.closeCode, undefined, 'Ann still connected');
  assert.equal(bob.closeCode, undefined, 'Bob still connected');
  assert.equal(ann.all('participant_updated').filter((m) => m.participant.connection === 'reconnecting').length, 0, 'nobody shown as reconnecting');
  ann.close();
  bob.close();
});

test('a client that really stopped answering is still dropped after the timeout', async () => {
  const ann = await WsClient.open(t.wsUrl, { heartbeatMs: INTERVAL_MS });
  const mute = await WsClient.open(t.wsUrl, { silent: true });
  ann.send({ type: 'join', id: 1, v: 1, room: 'stall-mute', name: 'Ann' });
  mute.send({ type: 'join', id: 1, v: 1, room: 'stall-mute', name: 'Mute' });
  const joined = await mute.next('joined');
  await ann.next('joined');
  const update = await ann.next('participant_updated', (m) => m.participant.id === joined.self.id, 5_000);
  assert.equal(update.participant.connection, 'reconnecting');
  ann.close();
  mute.close();
});

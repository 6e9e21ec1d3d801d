/**
 * Liveness at the cost of a ping per heartbeat interval and a pong per two (docs/protocol.md
 * "Resume"): the client's `ping {lastSeq}`, our `pong` when it asks, nothing else; no WebSocket ping
 * frames from the server.
 * A client that falls silent is shown as reconnecting once `heartbeatTimeoutMs` has passed since
 * it was last heard, give or take one pass of the server's shared silence check.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { silenceCheckMs } from '../src/service/ConfabServer';
import { startTestServer, type TestServer } from './support/testServer';
import { WsClient } from './support/wsClient';

const INTERVAL_MS = 200;
const TIMEOUT_MS = 600;

let t: TestServer;
const clients: WsClient[] = [];
before(async () => {
  t = await startTestServer({ CONFAB_HEARTBEAT_INTERVAL_MS: String(INTERVAL_MS), CONFAB_HEARTBEAT_TIMEOUT_MS: String(TIMEOUT_MS) });
});
after(async () => {
  for (const c of clients) c.close();
  await t.stop();
});

async function client(room: string, name: string): Promise<WsClient> {
  const c = await WsClient.open(t.wsUrl, { heartbeatMs: INTERVAL_MS });
  clients.push(c);
  await c.join(room, name);
  return c;
}

/** Counts what `client` hears of the heartbeat: WebSocket ping frames and heartbeat pongs. */
function countHeartbeat(client: WsClient): { pings: number; pongs: number } {
  const heard = { pings: 0, pongs: 0 };
  client.socket.on('ping', () => heard.pings++);
  client.socket.on('message', (data) => {
    if ((JSON.parse(String(data)) as { type: string }).type === 'pong') heard.pongs++;
  });
  return heard;
}

test('a client that asks on every ping (as SDKs before reply: false did) hears one pong per ping and nothing else, and stays', async () => {
  const ann = await client('quiet', 'Ann');
  ann.stopHeartbeat();
  const heard = countHeartbeat(ann);
  // The old SDK's bytes, and the same ping written another way (the schema's path, not the fast one).
  let sent = 0;
  const timer = setInterval(() => ann.send(sent++ % 2 === 0 ? '{"type":"ping","lastSeq":0}' : '{ "lastSeq": 0, "type": "ping" }'), INTERVAL_MS);
  const seconds = 2;
  await sleep(seconds * 1000);
  clearInterval(timer);
  assert.equal(heard.pings, 0, 'no WebSocket ping frames from the server');
  assert.ok(Math.abs(heard.pongs - sent) <= 1, `${heard.pongs} pongs for ${sent} pings`);
  assert.equal(ann.closeCode, undefined, 'still connected, long past the timeout');
});

test('an idle client that pings as the SDK does hears a pong for every other ping, and stays', async () => {
  const ann = await client('quieter', 'Ann');
  const heard = countHeartbeat(ann);
  const seconds = 3;
  await sleep(seconds * 1000);
  const pings = (seconds * 1000) / INTERVAL_MS;
  assert.equal(heard.pings, 0, 'no WebSocket ping frames from the server');
  assert.ok(Math.abs(heard.pongs - pings / 2) <= 2, `${heard.pongs} pongs in ${seconds} s, one per two pings (~${pings / 2})`);
  assert.equal(ann.closeCode, undefined, 'still connected, long past the timeout');
});

test('a ping that says reply: false is not answered, however it is written', async () => {
  const ann = await client('unanswered', 'Ann');
  ann.stopHeartbeat();
  const heard = countHeartbeat(ann);
  ann.send('{"type":"ping","lastSeq":0,"reply":false}');
  ann.send('{"reply":false,"type":"ping"}');
  ann.send('{"type":"ping","lastSeq":0}');
  await sleep(200);
  assert.equal(heard.pongs, 1, 'only the ping that asked was answered');
  assert.deepEqual(ann.received.filter((m) => m.type === 'error'), [], 'all three were valid');
});

test('a client that falls silent is shown as reconnecting after the timeout, at most one check later', async () => {
  const ann = await client('silence', 'Ann');
  const bob = await client('silence', 'Bob');
  bob.stopHeartbeat();
  const stoppedAt = Date.now();
  const update = await ann.next('participant_updated', (m) => m.participant.connection === 'reconnecting', 5_000);
  const after = Date.now() - stoppedAt;
  assert.equal(update.participant.name, 'Bob');
  // Bob was last heard at most one interval before he stopped.
  assert.ok(after >= TIMEOUT_MS - INTERVAL_MS, `not before the timeout: ${after} ms`);
  assert.ok(after <= TIMEOUT_MS + silenceCheckMs(TIMEOUT_MS) + 150, `within the timeout and one check: ${after} ms`);
});

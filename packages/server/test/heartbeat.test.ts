/**
 * Liveness at the cost of one exchange per heartbeat interval (docs/protocol.md "Resume"): the
 * client's `ping {lastSeq}` and our `pong`, nothing else; no WebSocket ping frames from the server.
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

test('an idle client hears one pong per ping and nothing else, and stays', async () => {
  const ann = await client('quiet', 'Ann');
  let pings = 0;
  let pongs = 0;
  ann.socket.on('ping', () => pings++);
  ann.socket.on('message', (data) => {
    if ((JSON.parse(String(data)) as { type: string }).type === 'pong') pongs++;
  });
  const seconds = 2;
  await sleep(seconds * 1000);
  assert.equal(pings, 0, 'no WebSocket ping frames from the server');
  const expected = (seconds * 1000) / INTERVAL_MS;
  assert.ok(Math.abs(pongs - expected) <= 2, `${pongs} pongs in ${seconds} s, one per ping (~${expected})`);
  assert.equal(ann.closeCode, undefined, 'still connected, long past the timeout');
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

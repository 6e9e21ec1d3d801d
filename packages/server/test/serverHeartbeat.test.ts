/**
 * CONFAB_HEARTBEAT=server (docs/protocol.md "Resume"): the server writes a frame to each connection
 * idle for an interval and the client sends nothing; a client whose network vanished stops
 * acknowledging, and TCP_USER_TIMEOUT (set through the native core) drops its connection. The cut
 * is real: nftables, in this test's own network namespace, drops one client's TCP both ways.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { silenceCheckMs } from '../src/service/ConfabServer';
import { heartbeatUserTimeoutMs, ServerHeartbeat } from '../src/service/serverHeartbeat';
import { startTestServer, type TestServer } from './support/testServer';
import { WsClient } from './support/wsClient';

const run = promisify(execFile);
const INTERVAL_MS = 200;
const TIMEOUT_MS = 600;
const TABLE = 'confab_test_heartbeat';

let t: TestServer;
const clients: WsClient[] = [];
before(async () => {
  t = await startTestServer({ CONFAB_HEARTBEAT: 'server', CONFAB_HEARTBEAT_INTERVAL_MS: String(INTERVAL_MS), CONFAB_HEARTBEAT_TIMEOUT_MS: String(TIMEOUT_MS) });
});
after(async () => {
  for (const c of clients) c.close();
  await t.stop();
  await run('nft', ['delete', 'table', 'inet', TABLE]).catch(() => undefined);
});

/** A client that never pings, from loopback address `from`. */
async function client(room: string, name: string, from = '127.0.0.1'): Promise<WsClient> {
  const c = await WsClient.open(t.wsUrl, { silent: true, localAddress: from });
  clients.push(c);
  await c.join(room, name);
  return c;
}

test('joined says the server keeps the heartbeat; a client that sends nothing hears a pong every interval and stays', async () => {
  const ann = await client('server-led', 'Ann');
  const joined = ann.received.find((m) => m.type === 'joined');
  assert.equal(joined?.type === 'joined' && joined.session.serverPings, true);
  // WsClient keeps heartbeat pongs out of `received`: count the frames themselves.
  let pongs = 0;
  ann.socket.on('message', (data) => {
    if ((JSON.parse(String(data)) as { type: string }).type === 'pong') pongs++;
  });
  const seconds = 2;
  await sleep(seconds * 1000);
  const most = (seconds * 1000) / INTERVAL_MS;
  const least = (seconds * 1000) / (INTERVAL_MS + silenceCheckMs(TIMEOUT_MS)) - 1;
  assert.ok(pongs >= least && pongs <= most + 1, `${pongs} pongs in ${seconds} s (one per ${INTERVAL_MS}-${INTERVAL_MS + silenceCheckMs(TIMEOUT_MS)} ms)`);
  assert.equal(ann.closeCode, undefined, 'still connected, long past the timeout');
});

test("a client whose network vanishes is shown as reconnecting once TCP gives up on it, within the SDK heartbeat's bound", async () => {
  const ann = await client('server-led-cut', 'Ann');
  const bob = await client('server-led-cut', 'Bob', '127.0.0.2');
  await run('nft', ['add', 'table', 'inet', TABLE]);
  await run('nft', ['add', 'chain', 'inet', TABLE, 'out', '{ type filter hook output priority 0 ; }']);
  await run('nft', ['add', 'rule', 'inet', TABLE, 'out', 'ip', 'saddr', '127.0.0.2', 'tcp', 'dport', String(t.port), 'drop']);
  await run('nft', ['add', 'rule', 'inet', TABLE, 'out', 'ip', 'daddr', '127.0.0.2', 'tcp', 'sport', String(t.port), 'drop']);
  const cutAt = Date.now();
  const update = await ann.next('participant_updated', (m) => m.participant.connection === 'reconnecting', 5_000);
  const after = Date.now() - cutAt;
  assert.equal(update.participant.name, 'Bob');
  console.log(`[measure] server_heartbeat_cut_shown_ms=${after}`);
  assert.equal(bob.closeCode, undefined, 'Bob was told nothing: his packets vanished');
  const userTimeout = heartbeatUserTimeoutMs(INTERVAL_MS, TIMEOUT_MS);
  assert.ok(after >= userTimeout - 50, `not before TCP's timeout (${userTimeout} ms): ${after} ms`);
  // The next pong goes out within an interval and a pass of the timer; the kernel gives up on it
  // after the user timeout, at a turn of its retransmission timer (measured: 800-830 ms here).
  const bound = INTERVAL_MS + silenceCheckMs(TIMEOUT_MS) + userTimeout + RETRANSMIT_MS;
  assert.ok(after <= bound, `within an interval, a pass, the user timeout and a retransmission turn (${bound} ms): ${after} ms`);
});

/** Two turns of Linux's retransmission timer at its shortest (TCP_RTO_MIN, 200 ms). */
const RETRANSMIT_MS = 400;

test('at the defaults a lost client shows within 4.65 s, under the documented 5 s', () => {
  assert.equal(2000 + silenceCheckMs(4000) + heartbeatUserTimeoutMs(2000, 4000) + RETRANSMIT_MS, 4650);
});

test('CONFAB_HEARTBEAT=server without the native core is refused at start-up', () => {
  const saved = process.env['CONFAB_SRTP_BACKEND'];
  process.env['CONFAB_SRTP_BACKEND'] = 'ts';
  try {
    assert.throws(() => ServerHeartbeat.create(2000, 4000), /CONFAB_HEARTBEAT=server needs the native core/);
  } finally {
    if (saved === undefined) delete process.env['CONFAB_SRTP_BACKEND'];
    else process.env['CONFAB_SRTP_BACKEND'] = saved;
  }
});

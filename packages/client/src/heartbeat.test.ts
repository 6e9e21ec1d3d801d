import assert from 'node:assert/strict';
import { mock, test } from 'node:test';
import { SignalClient } from './SignalClient';
import { fakeWebSocketClass, type FakeWebSocket } from './testFakes';

const INTERVAL_MS = 2_000;
const TIMEOUT_MS = 4_000;

/** Advances fake time in small steps: Node 20's tick() sets the clock to the end before running timers. */
function advance(t: { mock: { timers: { tick(ms: number): void } } }, ms: number): void {
  for (let done = 0; done < ms; done += 50) t.mock.timers.tick(Math.min(50, ms - done));
}

/** The client dropped its socket once, as the SDK does to reconnect, within `boundMs` of the loss at `lostAt`. */
function assertDroppedOnce(closes: { reason: string; at: number }[], socket: FakeWebSocket, lostAt: number, boundMs: number): void {
  assert.equal(closes.length, 1, 'dropped');
  const after = closes[0]!.at - lostAt;
  assert.ok(after <= boundMs, `shown ${after} ms after the loss`);
  assert.match(closes[0]!.reason, /no word from the server/);
  assert.equal(socket.closeCode, 4001, 'closed as the SDK does to reconnect');
}

/** A client whose fake socket has opened. */
async function openClient(): Promise<{ client: SignalClient; socket: FakeWebSocket }> {
  const { WebSocket, sockets } = fakeWebSocketClass();
  const client = new SignalClient('ws://test/rtc', { WebSocket });
  const socket = sockets[0]!;
  const opened = client.opened(1_000);
  socket.open();
  await opened;
  return { client, socket };
}

/** A joined client on a fake socket whose server answers pings as ours does, with fake time. */
async function heartbeatingClient(): Promise<{ client: SignalClient; socket: FakeWebSocket; pings: Record<string, unknown>[]; server: { answers: boolean } }> {
  const { client, socket } = await openClient();
  const server = { answers: true };
  const pings: Record<string, unknown>[] = [];
  socket.onSend = (message, s) => {
    if (message['type'] !== 'ping') return;
    pings.push(message);
    if (server.answers && message['reply'] !== false) s.receive({ type: 'pong', time: Date.now() });
  };
  client.startHeartbeat(INTERVAL_MS, TIMEOUT_MS);
  return { client, socket, pings, server };
}

test('an idle client asks for a pong on every other ping, and stays', async (t) => {
  t.mock.timers.enable({ apis: ['setInterval', 'setTimeout', 'Date'] });
  const { client, pings } = await heartbeatingClient();
  const closes: string[] = [];
  client.on('close', (reason) => closes.push(reason));
  advance(t, 20 * INTERVAL_MS);
  assert.equal(pings.length, 20);
  assert.deepEqual(
    pings.map((p) => p['reply'] !== false),
    Array.from({ length: 20 }, (_, i) => i % 2 === 1),
    'quiet, asking, quiet, asking…',
  );
  assert.deepEqual(closes, []);
  client.close();
});

test('a client that hears the server anyway asks for no pong at all', async (t) => {
  t.mock.timers.enable({ apis: ['setInterval', 'setTimeout', 'Date'] });
  const { client, socket, pings } = await heartbeatingClient();
  for (let ms = 0; ms < 10 * INTERVAL_MS; ms += 700) {
    advance(t, 700);
    socket.receive({ type: 'active_speakers', speakers: [] });
  }
  assert.ok(pings.length >= 9, `${pings.length} pings`);
  assert.ok(pings.every((p) => p['reply'] === false), 'every ping says reply: false');
  client.close();
});

test('a server that falls silent is dropped within the timeout and 3/8 of an interval, and not before the ping that asks', async (t) => {
  t.mock.timers.enable({ apis: ['setInterval', 'setTimeout', 'Date'] });
  const { client, socket, server } = await heartbeatingClient();
  const closes: { reason: string; at: number }[] = [];
  client.on('close', (reason) => closes.push({ reason, at: Date.now() }));
  // Answered at 4 s and 8 s; silent from then on.
  advance(t, 4 * INTERVAL_MS);
  server.answers = false;
  const lostAt = Date.now();
  advance(t, 2 * INTERVAL_MS);
  assert.equal(closes.length, 0, 'no drop before the ping that asks');
  advance(t, TIMEOUT_MS);
  assertDroppedOnce(closes, socket, lostAt, TIMEOUT_MS + (INTERVAL_MS * 3) / 8);
  client.close();
});

test('a pong that comes late but within the wait keeps the socket', async (t) => {
  t.mock.timers.enable({ apis: ['setInterval', 'setTimeout', 'Date'] });
  const { client, socket, server } = await heartbeatingClient();
  const closes: string[] = [];
  client.on('close', (reason) => closes.push(reason));
  server.answers = false;
  advance(t, 2 * INTERVAL_MS); // the asking ping goes out now, unanswered so far
  advance(t, 500);
  socket.receive({ type: 'pong', time: Date.now() });
  advance(t, INTERVAL_MS);
  assert.deepEqual(closes, []);
  client.close();
});

test('a reply queued behind a long task keeps the socket; none after it drops the socket', async (t) => {
  t.mock.timers.enable({ apis: ['setInterval', 'setTimeout', 'Date'] });
  for (const replyQueued of [true, false]) {
    const { client, socket, server } = await heartbeatingClient();
    const closes: string[] = [];
    client.on('close', (reason) => closes.push(reason));
    server.answers = false;
    advance(t, 2 * INTERVAL_MS); // the asking ping goes out now
    // The page's thread is busy for 1.5 s: the wait's timer runs only after it, and late.
    t.mock.timers.tick(1_500);
    if (replyQueued) socket.receive({ type: 'pong', time: Date.now() }); // its message was queued meanwhile
    advance(t, 200);
    assert.deepEqual(closes.length, replyQueued ? 0 : 1, replyQueued ? 'the queued reply counted' : 'no reply: dropped');
    client.close();
  }
});

test('a server that falls silent mid-interval, after a frame of its own, is dropped within the timeout and 3/8 of an interval', async (t) => {
  t.mock.timers.enable({ apis: ['setInterval', 'setTimeout', 'Date'] });
  const { client, socket, server } = await heartbeatingClient();
  const closes: number[] = [];
  client.on('close', () => closes.push(Date.now()));
  advance(t, 4 * INTERVAL_MS);
  server.answers = false;
  // Its last word comes 0.55 of an interval after a ping: the phase where waiting for 1.5 intervals
  // of silence put the asking ping 2.45 intervals after it, and the drop 5.65 s after the loss.
  advance(t, 1_100);
  socket.receive({ type: 'active_speakers', speakers: [] });
  const lostAt = Date.now();
  advance(t, 4 * INTERVAL_MS);
  assert.equal(closes.length, 1, 'dropped');
  assert.ok(closes[0]! - lostAt <= TIMEOUT_MS + (INTERVAL_MS * 3) / 8, `shown ${closes[0]! - lostAt} ms after the loss`);
  client.close();
});

/** A joined client on a fake socket whose server keeps the heartbeat (`serverPings`), with fake time. */
async function serverPingedClient(): Promise<{ client: SignalClient; socket: FakeWebSocket; sent: Record<string, unknown>[] }> {
  const { client, socket } = await openClient();
  const sent: Record<string, unknown>[] = [];
  socket.onSend = (message) => void sent.push(message);
  client.startHeartbeat(INTERVAL_MS, TIMEOUT_MS, true);
  return { client, socket, sent };
}

test('when the server keeps the heartbeat, the client sends nothing and stays while it hears a frame every interval', async (t) => {
  t.mock.timers.enable({ apis: ['setInterval', 'setTimeout', 'Date'] });
  const { client, socket, sent } = await serverPingedClient();
  const closes: string[] = [];
  client.on('close', (reason) => closes.push(reason));
  for (let i = 0; i < 20; i++) {
    // The server's timer passes every 250 ms: a pong comes up to a quarter second past the interval.
    advance(t, INTERVAL_MS + 250);
    socket.receive({ type: 'pong', time: Date.now() });
  }
  assert.deepEqual(sent, [], 'no pings');
  assert.deepEqual(closes, []);
  client.close();
});

test('when the server keeps the heartbeat and falls silent, the client drops the socket within the timeout and a quarter interval, not before the timeout', async (t) => {
  t.mock.timers.enable({ apis: ['setInterval', 'setTimeout', 'Date'] });
  const { client, socket } = await serverPingedClient();
  const closes: { reason: string; at: number }[] = [];
  client.on('close', (reason) => closes.push({ reason, at: Date.now() }));
  advance(t, 1_300);
  socket.receive({ type: 'pong', time: Date.now() });
  const lostAt = Date.now();
  advance(t, TIMEOUT_MS);
  assert.equal(closes.length, 0, 'not before the timeout');
  advance(t, INTERVAL_MS);
  assertDroppedOnce(closes, socket, lostAt, TIMEOUT_MS + INTERVAL_MS / 4 + 50);
  client.close();
});

test('when the server keeps the heartbeat, messages received are acknowledged at most once an interval, with a ping that asks for no reply', async (t) => {
  t.mock.timers.enable({ apis: ['setInterval', 'setTimeout', 'Date'] });
  const { client, socket, sent } = await serverPingedClient();
  let seq = 0;
  for (let ms = 0; ms < 5 * INTERVAL_MS; ms += 100) {
    advance(t, 100);
    socket.receive({ type: 'chat', messageId: `m${seq}`, participantId: 'PA_someone', name: 'Ann', time: Date.now(), text: 'hi', seq: ++seq });
  }
  assert.ok(sent.length >= 4 && sent.length <= 5, `${sent.length} acknowledgements in 5 intervals`);
  assert.ok(sent.every((m) => m['type'] === 'ping' && m['reply'] === false), JSON.stringify(sent));
  const last = sent.at(-1)!['lastSeq'] as number;
  assert.ok(last >= seq - INTERVAL_MS / 100, `the last acknowledges ${last} of ${seq}`);
  const before = sent.length;
  advance(t, 2 * INTERVAL_MS);
  assert.equal(sent.length, before + 1, 'what came in the last interval is acknowledged once');
  advance(t, 3 * INTERVAL_MS);
  assert.equal(sent.length, before + 1, 'then nothing more: nothing new came');
  client.close();
});

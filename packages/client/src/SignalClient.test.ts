import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfabError } from './errors';
import { SignalClient } from './SignalClient';
import { fakeWebSocketClass, type FakeWebSocket } from './testFakes';

async function openClient(requestTimeoutMs = 1_000): Promise<{ client: SignalClient; socket: FakeWebSocket }> {
  const { WebSocket, sockets } = fakeWebSocketClass();
  const client = new SignalClient('ws://test/rtc', { WebSocket, requestTimeoutMs });
  const socket = sockets[0]!;
  const opened = client.opened(1_000);
  socket.open();
  await opened;
  return { client, socket };
}

const isCode = (code: string) => (error: unknown) => error instanceof ConfabError && error.code === code;

test('requests get increasing ids and are matched to replies by id, in any order', async () => {
  const { client, socket } = await openClient();
  const status = client.request({ type: 'status', status: 'away' });
  const ping = client.request({ type: 'ping' });
  const [first, second] = socket.messages();
  assert.deepEqual(first, { type: 'status', status: 'away', id: 1 });
  assert.deepEqual(second, { type: 'ping', id: 2 });
  socket.receive({ type: 'pong', id: 2, time: 123 });
  socket.receive({ type: 'ack', id: 1 });
  assert.deepEqual(await ping, { type: 'pong', id: 2, time: 123 });
  assert.deepEqual(await status, { type: 'ack', id: 1 });
});

test('an error with the request id rejects that request with the server code', async () => {
  const { client, socket } = await openClient();
  const chat = client.request({ type: 'chat', text: 'hi' });
  socket.receive({ type: 'error', id: 1, code: 'rate_limited', message: 'slow down' });
  await assert.rejects(chat, (error: unknown) => error instanceof ConfabError && error.code === 'rate_limited' && error.reason === 'slow down');
});

test('a reply of the wrong type rejects the request', async () => {
  const { client, socket } = await openClient();
  const join = client.request({ type: 'ping' });
  socket.receive({ type: 'ack', id: 1 });
  await assert.rejects(join, isCode('internal'));
});

test('a request times out, and a late reply is dropped', async () => {
  const { client, socket } = await openClient(20);
  const seen: unknown[] = [];
  client.on('message', (m) => seen.push(m));
  await assert.rejects(client.request({ type: 'ping' }), isCode('timeout'));
  socket.receive({ type: 'pong', id: 1, time: 1 });
  assert.deepEqual(seen, []);
});

test('closing the socket rejects every pending request with closed, and emits close once', async () => {
  const { client, socket } = await openClient();
  const closes: string[] = [];
  client.on('close', (reason) => closes.push(reason));
  const a = client.request({ type: 'ping' });
  const b = client.request({ type: 'leave' });
  socket.serverClose(1001, 'going away');
  await assert.rejects(a, isCode('closed'));
  await assert.rejects(b, isCode('closed'));
  assert.deepEqual(closes, ['socket closed (code 1001: going away)']);
  assert.equal(client.isOpen, false);
  await assert.rejects(client.request({ type: 'ping' }), isCode('closed'));
  assert.throws(() => client.send({ type: 'candidate', target: 'publisher', candidate: null }), isCode('closed'));
});

test('client close() rejects pending requests and closes the socket', async () => {
  const { client, socket } = await openClient();
  const pending = client.request({ type: 'ping' });
  client.close('bye');
  await assert.rejects(pending, isCode('closed'));
  assert.equal(socket.closeCode, 1000);
});

test('valid non-reply messages are emitted; invalid frames become errors, or reject their request', async () => {
  const { client, socket } = await openClient();
  const messages: unknown[] = [];
  const errors: ConfabError[] = [];
  client.on('message', (m) => messages.push(m));
  client.on('error', (e) => errors.push(e));

  socket.receive({ type: 'shutdown', seconds: 30 });
  socket.receive({ type: 'error', code: 'internal', message: 'oops' });
  assert.deepEqual(messages, [{ type: 'shutdown', seconds: 30 }, { type: 'error', code: 'internal', message: 'oops' }]);

  socket.receive('{not json');
  socket.receive({ type: 'warp_drive' });
  assert.equal(errors.length, 2);
  assert.ok(errors.every((e) => e.code === 'invalid_argument'));

  const ping = client.request({ type: 'ping' });
  socket.receive({ type: 'pong', id: 1 }); // missing `time`
  await assert.rejects(ping, isCode('invalid_argument'));
  assert.equal(errors.length, 2);
  assert.equal(messages.length, 2);
});

test('opened() rejects when the socket fails and times out when it never opens', async () => {
  const failing = fakeWebSocketClass();
  const a = new SignalClient('ws://x/rtc', { WebSocket: failing.WebSocket });
  const opened = a.opened(1_000);
  failing.sockets[0]!.fail();
  await assert.rejects(opened, isCode('connection_failed'));

  const silent = fakeWebSocketClass();
  const b = new SignalClient('ws://x/rtc', { WebSocket: silent.WebSocket });
  await assert.rejects(b.opened(20), isCode('timeout'));
  assert.equal(silent.sockets[0]!.readyState, 3);
});

test('resumable: a lost socket queues requests; after resume only those the server has not done are sent again', async () => {
  const { WebSocket, sockets } = fakeWebSocketClass();
  const client = new SignalClient('ws://test/rtc', { WebSocket, requestTimeoutMs: 1_000 });
  sockets[0]!.open();
  client.resumable = true;
  const done = client.request({ type: 'status', status: 'away' }); // id 1: the server will have done it
  const lost = client.request({ type: 'chat', text: 'in flight' }); // id 2: lost with the socket
  sockets[0]!.receive(JSON.stringify({ type: 'chat', messageId: 'm', participantId: 'p', name: 'P', time: 1, text: 'x', seq: 7 }));
  const closes: number[] = [];
  client.on('close', (_reason, code) => closes.push(code));
  sockets[0]!.serverClose(1006, '');
  assert.deepEqual(closes, [1006]);
  const queued = client.request({ type: 'chat', text: 'while away' }); // id 3: never written yet
  assert.equal(client.lastSeq, 7);

  const reopened = client.reconnect(1_000);
  sockets[1]!.open();
  await reopened;
  const resume = client.handshake({ type: 'resume', v: 1, room: 'r' as never, participantId: 'p' as never, token: 't', lastSeq: client.lastSeq });
  const [resumeFrame] = sockets[1]!.messages();
  sockets[1]!.receive({ type: 'resumed', id: resumeFrame!['id'], lastRequestId: 1 });
  await resume;
  client.resumed(1);
  assert.deepEqual(sockets[1]!.messages().slice(1).map((m) => [m['id'], m['text']]), [[2, 'in flight'], [3, 'while away']]);
  // The reply to id 1 comes in the replay; a replayed duplicate (seq <= lastSeq) is dropped.
  sockets[1]!.receive(JSON.stringify({ type: 'ack', id: 1, seq: 8 }));
  sockets[1]!.receive(JSON.stringify({ type: 'ack', id: 2, seq: 8 }));
  sockets[1]!.receive(JSON.stringify({ type: 'ack', id: 2, seq: 9 }));
  sockets[1]!.receive(JSON.stringify({ type: 'ack', id: 3, seq: 10 }));
  assert.deepEqual(await done, { type: 'ack', id: 1 });
  await lost;
  await queued;
  assert.equal(client.lastSeq, 10);
  client.close();
});

test('after a media reset, requests about the old peer connections fail; the rest are resent as after any resume', async () => {
  const { WebSocket, sockets } = fakeWebSocketClass();
  const client = new SignalClient('ws://test/rtc', { WebSocket, requestTimeoutMs: 1_000 });
  sockets[0]!.open();
  client.resumable = true;
  const offer = client.request({ type: 'offer', target: 'publisher', sdp: 'v=0' });
  const publish = client.request({ type: 'publish', source: 'camera', mid: '0' });
  const restart = client.request({ type: 'restart_ice' });
  const mute = client.request({ type: 'mute', source: 'microphone', muted: true });
  const chat = client.request({ type: 'chat', text: 'in flight' });
  sockets[0]!.serverClose(4002, 'room moved to another server; resume');
  const reopened = client.reconnect(1_000);
  sockets[1]!.open();
  await reopened;
  const resume = client.handshake({ type: 'resume', v: 1, room: 'r' as never, participantId: 'p' as never, token: 't', lastSeq: 0 });
  sockets[1]!.receive({ type: 'resumed', id: sockets[1]!.messages()[0]!['id'], lastRequestId: 0, mediaReset: true });
  assert.equal((await resume).mediaReset, true);
  client.resumed(0, true);
  for (const lost of [offer, publish, restart]) await assert.rejects(lost, isCode('closed'));
  assert.deepEqual(sockets[1]!.messages().slice(1).map((m) => m['type']), ['mute', 'chat']);
  for (const frame of sockets[1]!.messages().slice(1)) sockets[1]!.receive({ type: 'ack', id: frame['id'] });
  await mute;
  await chat;
  client.close();
});

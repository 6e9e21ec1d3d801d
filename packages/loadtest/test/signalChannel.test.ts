/**
 * SignalChannel.skipTypes against a real `ws` server: presence frames a load generator has no use
 * for are counted by their seq and never parsed; everything else (replies, offers, invalid frames)
 * still takes the validated path.
 */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { WebSocketServer } from 'ws';
import { decodeServerMessage, encodeMessage, PROTOCOL_VERSION, type ServerMessage } from '@confab/protocol';
import { SignalChannel } from '../src/SignalChannel';

const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
const listening = new Promise<void>((resolve) => server.once('listening', () => resolve()));
after(() => new Promise<void>((resolve) => server.close(() => resolve())));

test('skipped types advance lastSeq without reaching onMessage; other frames are decoded and validated as before', async () => {
  const frames: string[] = [];
  const joined = { type: 'participant_joined', participant: { id: 'PA_2', identity: 'b', name: 'Bob', moderator: false, handRaised: false, status: 'online', connection: 'connected', joinedAt: 1, tracks: [] } };
  // A skipped type whose body would not even validate: it is not read.
  frames.push(`${JSON.stringify({ ...joined, participant: 'not checked' }).slice(0, -1)},"seq":7}`);
  frames.push(encodeMessage(joined as unknown as ServerMessage, 8));
  frames.push(encodeMessage({ type: 'chat', messageId: 'm1', participantId: 'PA_2', name: 'Bob', time: 1, text: 'hi' } as ServerMessage, 9));
  frames.push('{"type":"chat","text":5}');
  // Sent once the client says something (its first heartbeat ping), so its handlers are set by then.
  server.once('connection', (socket) => socket.once('message', () => frames.forEach((f) => socket.send(f))));
  await listening;
  const { port } = server.address() as { port: number };
  const channel = await SignalChannel.connect(`ws://127.0.0.1:${port}`);
  channel.skipTypes = new Set(['participant_joined']);
  const seen: string[] = [];
  const errors: string[] = [];
  channel.onMessage = (m) => seen.push(m.type);
  channel.onError = (e) => errors.push(e.message);
  for (let i = 0; i < 300 && seen.length + errors.length < 2; i++) await new Promise((r) => setTimeout(r, 10));
  assert.equal(channel.lastSeq, 9);
  assert.deepEqual(seen, ['chat']);
  assert.equal(errors.length, 1, `the invalid chat is still refused: ${errors.join('; ')}`);
  await channel.close();
});

/** The frames a channel sends after `joined` (with these session fields) and three messages, over `ms`. */
async function framesAfterJoined(session: Record<string, unknown>, ms: number): Promise<Array<{ type: string; lastSeq?: number; reply?: boolean }>> {
  const self = { id: 'PA_1', identity: 'a', name: 'Alice', moderator: false, handRaised: false, status: 'online', connection: 'connected', joinedAt: 1, tracks: [] };
  const joined = {
    type: 'joined',
    v: PROTOCOL_VERSION,
    room: 'standup',
    self,
    participants: [],
    iceServers: [],
    permissions: { canPublish: true, canPublishSources: ['microphone', 'camera', 'screen'], canSubscribe: true, canChat: true, moderator: false },
    access: { locked: false, lobby: false, passwordProtected: false },
    session: { resumeToken: 'token', resumeWindowMs: 15_000, heartbeatTimeoutMs: 4_000, ...session },
  };
  const chat = (n: number) => encodeMessage({ type: 'chat', messageId: `m${n}`, participantId: 'PA_2', name: 'Bob', time: 1, text: 'hi' } as ServerMessage, n);
  const frames = [encodeMessage(joined as unknown as ServerMessage, 1), chat(2), chat(3), chat(4)];
  assert.ok(frames.every((f) => decodeServerMessage(f).ok), 'the test frames are valid');
  const received: string[] = [];
  // Sent once the client says something (the status below), so its handlers are set by then.
  server.once('connection', (socket) => {
    socket.once('message', () => {
      socket.on('message', (data) => received.push(String(data)));
      frames.forEach((f) => socket.send(f));
    });
  });
  await listening;
  const { port } = server.address() as { port: number };
  const channel = await SignalChannel.connect(`ws://127.0.0.1:${port}`);
  channel.send({ type: 'status', status: 'away' });
  await new Promise((r) => setTimeout(r, ms));
  await channel.close();
  assert.equal(channel.lastSeq, 4);
  return received.map((raw) => JSON.parse(raw) as { type: string; lastSeq?: number; reply?: boolean });
}

test('a server that keeps the heartbeat (serverPings) gets no pings, only one acknowledgement of what arrived', async () => {
  const frames = await framesAfterJoined({ heartbeatIntervalMs: 100, serverPings: true }, 550);
  assert.ok(frames.length >= 1, 'the messages are acknowledged');
  assert.ok(frames.every((f) => f.type === 'ping' && f.reply === false), JSON.stringify(frames));
  // Only when lastSeq moved: nothing new after the first acknowledgement of 4.
  assert.deepEqual(new Set(frames.map((f) => f.lastSeq)).size, frames.length, JSON.stringify(frames));
  assert.equal(frames.at(-1)!.lastSeq, 4);
});

test('without serverPings the channel pings every interval, as the SDK does', async () => {
  const frames = await framesAfterJoined({ heartbeatIntervalMs: 100 }, 550);
  assert.ok(frames.filter((f) => f.type === 'ping').length >= 3, JSON.stringify(frames));
});

/**
 * SignalChannel.skipTypes against a real `ws` server: presence frames a load generator has no use
 * for are counted by their seq and never parsed; everything else (replies, offers, invalid frames)
 * still takes the validated path.
 */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { WebSocketServer } from 'ws';
import { encodeMessage, type ServerMessage } from '@confab/protocol';
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

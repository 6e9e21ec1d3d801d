import assert from 'node:assert/strict';
import { test } from 'node:test';
import { waitUntil } from '@confab/loadtest';
import type { SignalingTarget } from './signalingCases';
import type { WsClient } from './wsClient';

// Short windows so the tests run quickly; the mechanism is the same at the defaults.
export const HEARTBEAT_TIMEOUT_MS = 600;
const RESUME_WINDOW_MS = 1_000;
/** The settings these cases expect of every node. */
export const RESUME_TEST_HEARTBEAT_MS = 200;
export const RESUME_TEST_ENV = {
  CONFAB_HEARTBEAT_INTERVAL_MS: String(RESUME_TEST_HEARTBEAT_MS),
  CONFAB_HEARTBEAT_TIMEOUT_MS: String(HEARTBEAT_TIMEOUT_MS),
  CONFAB_RESUME_WINDOW_SECONDS: String(RESUME_WINDOW_MS / 1000),
};

/**
 * Lost connections and resume, as a client sees them: on one node (resume.test.ts) and through a
 * cluster, where the resuming socket lands on another node than the lost one (clusterSignaling.test.ts).
 */
export function resumeCases(target: Omit<SignalingTarget, 'client'> & { client(options?: { silent?: boolean }): Promise<WsClient> }): void {
  const freshRoom = () => target.freshRoom();

  test('a connection that dies without a close frame shows as reconnecting, then leaves when the window ends', async () => {
    const room = freshRoom();
    const ann = await target.client();
    const bob = await target.client();
    await ann.join(room, 'Ann');
    const bobJoined = await bob.join(room, 'Bob');
    const droppedAt = Date.now();
    bob.socket.terminate();
    const update = await ann.next('participant_updated');
    assert.equal(update.participant.id, bobJoined.self.id);
    assert.equal(update.participant.connection, 'reconnecting');
    const left = await ann.next('participant_left', () => true, 5_000);
    assert.deepEqual(left, { type: 'participant_left', participantId: bobJoined.self.id, reason: 'disconnected' });
    assert.ok(Date.now() - droppedAt >= RESUME_WINDOW_MS, 'not before the resume window ended');
  });

  test('a client that stops answering pings is counted lost after the heartbeat timeout', async () => {
    const room = freshRoom();
    const ann = await target.client();
    const mute = await target.client({ silent: true });
    await ann.join(room, 'Ann');
    const joined = await mute.join(room, 'Mute');
    const silentFrom = Date.now();
    const update = await ann.next('participant_updated', (m) => m.participant.id === joined.self.id, 5_000);
    assert.equal(update.participant.connection, 'reconnecting');
    assert.ok(Date.now() - silentFrom >= HEARTBEAT_TIMEOUT_MS - 50);
  });

  test('resume on a new socket: same participant, missed messages replayed in order, requests done once', async () => {
    const room = freshRoom();
    const ann = await target.client();
    const bob = await target.client();
    const annJoined = await ann.join(room, 'Ann');
    const bobJoined = await bob.join(room, 'Bob');
    bob.send({ type: 'chat', id: 2, text: 'before the drop' });
    await bob.next('ack', (m) => m.id === 2);
    const seen = bob.lastSeq;
    bob.socket.terminate();
    await ann.next('participant_updated', (m) => m.participant.connection === 'reconnecting');
    ann.send({ type: 'chat', id: 5, text: 'missed 1' });
    ann.send({ type: 'chat', id: 6, text: 'missed 2' });
    await ann.next('ack', (m) => m.id === 6);

    const again = await target.client();
    again.send({ type: 'resume', id: 3, v: 1, room, participantId: bobJoined.self.id, token: bobJoined.session.resumeToken, lastSeq: seen });
    const resumed = await again.next('resumed');
    assert.deepEqual(resumed, { type: 'resumed', id: 3, lastRequestId: 2, iceServers: [] });
    await again.next('chat', (m) => m.text === 'missed 2');
    assert.deepEqual(again.all('chat').map((m) => m.text), ['missed 1', 'missed 2']);
    assert.equal(again.lastSeq, seen + 2);
    // A request resent although the server had done it (id <= lastRequestId) is not done again.
    again.send({ type: 'chat', id: 2, text: 'before the drop' });
    again.send({ type: 'chat', id: 4, text: 'after the resume' });
    await ann.next('chat', (m) => m.text === 'after the resume');
    assert.deepEqual(ann.all('chat').map((m) => m.text), ['before the drop', 'missed 1', 'missed 2', 'after the resume']);
    const back = await ann.next('participant_updated', (m) => m.participant.connection === 'connected');
    assert.equal(back.participant.id, bobJoined.self.id);
    assert.equal(ann.all('participant_left').length, 0);
    assert.equal(ann.all('participant_joined').length, 1, 'only the original join');
    // The server restarts ICE: a fresh subscriber offer arrives on the new socket.
    await again.next('offer');
    await waitUntil(() => target.roomsNamed(room)[0]?.size === 2, 2_000, 'both still in the room');
    assert.notEqual(annJoined.self.id, bobJoined.self.id);
  });

  test('a resume with a wrong token or after the window is refused with not_found', async () => {
    const room = freshRoom();
    const ann = await target.client();
    const joined = await ann.join(room, 'Ann');
    const keep = await target.client();
    await keep.join(room, 'Keep');
    ann.socket.terminate();
    const forger = await target.client();
    forger.send({ type: 'resume', id: 1, v: 1, room, participantId: joined.self.id, token: 'x'.repeat(24), lastSeq: 0 });
    assert.equal((await forger.next('error', (m) => m.id === 1)).code, 'not_found');
    await keep.next('participant_left', () => true, 5_000);
    const late = await target.client();
    late.send({ type: 'resume', id: 1, v: 1, room, participantId: joined.self.id, token: joined.session.resumeToken, lastSeq: 0 });
    assert.equal((await late.next('error', (m) => m.id === 1)).code, 'not_found');
    // The same socket can join afresh right after.
    const rejoined = await late.join(room, 'Ann', 2);
    assert.notEqual(rejoined.self.id, joined.self.id);
  });
}

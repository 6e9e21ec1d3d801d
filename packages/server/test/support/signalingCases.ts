import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { waitUntil } from '@confab/loadtest';
import { MAX_MESSAGE_BYTES } from '@confab/protocol';
import type { Room } from '../../src/rooms/Room';
import type { WsClient } from './wsClient';

/** Where signaling tests run: one node, or a cluster whose clients land on different nodes. */
export interface SignalingTarget {
  /** A connected client (closed after the tests); in a cluster, each on the next node. */
  client(): Promise<WsClient>;
  /** The open rooms of this name, on every node. */
  roomsNamed(room: string): Room[];
  /** Room names unique to this run. */
  freshRoom(): string;
}

/**
 * Presence, chat, joins, limits and bad input, as a client sees them. The same cases run against
 * one node (signaling.test.ts) and through a cluster (clusterSignaling.test.ts): the answers must not differ.
 * The rooms take at most 3 participants (CONFAB_MAX_PARTICIPANTS_PER_ROOM=3).
 */
export function signalingCases(target: SignalingTarget): void {
  const freshRoom = () => target.freshRoom();

  test('presence: joined lists everyone; others hear of joins, status changes and leaves', async () => {
    const room = freshRoom();
    const ann = await target.client();
    const bob = await target.client();
    const annJoined = await ann.join(room, 'Ann');
    assert.deepEqual(annJoined.participants, []);
    const bobJoined = await bob.join(room, 'Bob');
    assert.deepEqual(bobJoined.participants.map((p) => p.name), ['Ann']);
    assert.equal((await ann.next('participant_joined')).participant.id, bobJoined.self.id);

    bob.send({ type: 'status', id: 5, status: 'away' });
    await bob.next('ack', (m) => m.id === 5);
    const update = await ann.next('participant_updated');
    assert.equal(update.participant.status, 'away');

    bob.send({ type: 'leave', id: 6 });
    const left = await ann.next('participant_left');
    assert.deepEqual(left, { type: 'participant_left', participantId: bobJoined.self.id, reason: 'left' });
    assert.equal(await bob.closed(), 1000);
  });

  test('a socket closed with a close frame (tab closed) leaves the room at once with reason "disconnected"', async () => {
    const room = freshRoom();
    const ann = await target.client();
    const bob = await target.client();
    await ann.join(room, 'Ann');
    const bobJoined = await bob.join(room, 'Bob');
    bob.socket.close(1001);
    const left = await ann.next('participant_left');
    assert.equal(left.participantId, bobJoined.self.id);
    assert.equal(left.reason, 'disconnected');
    assert.equal(ann.all('participant_updated').length, 0, 'never shown as reconnecting');
  });

  test('chat reaches everyone in the room and nobody outside it', async () => {
    const room = freshRoom();
    const [ann, bob, eve] = [await target.client(), await target.client(), await target.client()];
    const annJoined = await ann.join(room, 'Ann');
    await bob.join(room, 'Bob');
    await eve.join(freshRoom(), 'Eve');
    ann.send({ type: 'chat', id: 9, text: '<img src=x onerror=alert(1)>' });
    await ann.next('ack', (m) => m.id === 9);
    for (const c of [ann, bob]) {
      const chat = await c.next('chat');
      assert.equal(chat.text, '<img src=x onerror=alert(1)>');
      assert.equal(chat.name, 'Ann');
      assert.equal(chat.participantId, annJoined.self.id);
    }
    await sleep(100);
    assert.equal(eve.all('chat').length, 0);
  });

  test('two simultaneous first joins of a new room end in one room', async () => {
    for (let round = 0; round < 5; round++) {
      const room = freshRoom();
      const [a, b] = [await target.client(), await target.client()];
      a.send({ type: 'join', id: 1, v: 1, room, name: 'A' });
      b.send({ type: 'join', id: 1, v: 1, room, name: 'B' });
      const [ja, jb] = [await a.next('joined'), await b.next('joined')];
      const sawOther = (ja.participants.length === 1 && ja.participants[0]!.name === 'B') || (jb.participants.length === 1 && jb.participants[0]!.name === 'A');
      assert.ok(sawOther, 'the second to be admitted sees the first');
      assert.equal(target.roomsNamed(room).length, 1);
      assert.equal(target.roomsNamed(room)[0]!.size, 2);
      a.close();
      b.close();
    }
  });

  test('published tracks and mute changes reach everyone else; muting what is not published is refused', async () => {
    const room = freshRoom();
    const [ann, bob] = [await target.client(), await target.client()];
    const annJoined = await ann.join(room, 'Ann');
    await bob.join(room, 'Bob');
    ann.send({ type: 'publish', id: 2, source: 'microphone', mid: '0' });
    await ann.next('ack', (m) => m.id === 2);
    const published = await bob.next('track_published');
    assert.equal(published.participantId, annJoined.self.id);
    assert.deepEqual([published.track.source, published.track.muted], ['microphone', false]);
    ann.send({ type: 'mute', id: 3, source: 'microphone', muted: true });
    await ann.next('ack', (m) => m.id === 3);
    assert.deepEqual(await bob.next('track_muted'), { type: 'track_muted', participantId: annJoined.self.id, trackId: published.track.id, muted: true });
    const late = await target.client();
    const lateJoined = await late.join(room, 'Late');
    assert.deepEqual(lateJoined.participants.find((p) => p.name === 'Ann')?.tracks.map((t) => [t.id, t.muted]), [[published.track.id, true]]);
    ann.send({ type: 'mute', id: 4, source: 'camera', muted: true });
    assert.equal((await ann.next('error', (m) => m.id === 4)).code, 'not_found');
  });

  test('the last one out closes the room', async () => {
    const room = freshRoom();
    const ann = await target.client();
    await ann.join(room, 'Ann');
    assert.equal(target.roomsNamed(room).length, 1);
    ann.close();
    await waitUntil(() => target.roomsNamed(room).length === 0, 5000, 'the room is gone');
  });

  test('track_settings (adaptive stream) is accepted and the connection stays open', async () => {
    const ann = await target.client();
    await ann.join(freshRoom(), 'Ann');
    ann.send({ type: 'track_settings', id: 11, trackId: 'TR_unknown', visible: false, width: 0, height: 0 });
    await ann.next('ack', (m) => m.id === 11);
    ann.send({ type: 'status', id: 12, status: 'busy' });
    await ann.next('ack', (m) => m.id === 12);
    assert.equal(ann.all('error').length, 0);
  });

  test('bad input gets a clear error and the connection stays usable', async () => {
    const c = await target.client();
    c.send('{oops');
    assert.match((await c.next('error')).message, /not valid JSON/);
    c.send({ type: 'warp', id: 2 });
    assert.deepEqual(await c.next('error', (m) => m.id === 2), { type: 'error', id: 2, code: 'invalid_argument', message: 'unknown message type "warp"' });
    c.send({ type: 'chat', id: 3, text: 'hi' });
    assert.equal((await c.next('error', (m) => m.id === 3)).code, 'failed_precondition');
    c.send({ type: 'join', id: 4, v: 1, room: 'bad room!', name: 'Ann' });
    const bad = await c.next('error', (m) => m.id === 4);
    assert.equal(bad.code, 'invalid_argument');
    assert.match(bad.message, /room name must be 1-64 letters/);
    c.send({ type: 'join', id: 5, v: 99, room: 'ok', name: 'Ann' });
    assert.match((await c.next('error', (m) => m.id === 5)).message, /unsupported protocol version 99/);
    c.socket.send(Buffer.from([1, 2, 3]), { binary: true });
    assert.match((await c.next('error', (m) => /binary/.test(m.message))).code, /invalid_argument/);
    c.send({ type: 'ping', id: 6 });
    await c.next('pong', (m) => m.id === 6);

    const joined = await c.join(freshRoom(), 'Ann', 7);
    assert.equal(joined.self.name, 'Ann');
    c.send({ type: 'join', id: 8, v: 1, room: 'other', name: 'Ann' });
    assert.equal((await c.next('error', (m) => m.id === 8)).code, 'conflict');
    c.send({ type: 'unpublish', id: 9, source: 'camera' });
    assert.equal((await c.next('error', (m) => m.id === 9)).code, 'not_found');
    c.send({ type: 'offer', id: 10, target: 'publisher', sdp: 'this is not sdp' });
    assert.equal((await c.next('error', (m) => m.id === 10)).code, 'invalid_argument');
    assert.deepEqual(c.invalid, [], 'every server message validates');
  });

  test('a full room refuses the next join with resource_exhausted', async () => {
    const room = freshRoom();
    for (const name of ['A', 'B', 'C']) await (await target.client()).join(room, name);
    const d = await target.client();
    d.send({ type: 'join', id: 1, v: 1, room, name: 'D' });
    const error = await d.next('error', (m) => m.id === 1);
    assert.equal(error.code, 'resource_exhausted');
    assert.match(error.message, /full/);
  });

  test('an oversized frame closes that connection with 1009 and nothing else', async () => {
    const room = freshRoom();
    const [ann, bob] = [await target.client(), await target.client()];
    await ann.join(room, 'Ann');
    await bob.join(room, 'Bob');
    const mallory = await target.client();
    mallory.send('x'.repeat(MAX_MESSAGE_BYTES + 10));
    assert.equal(await mallory.closed(), 1009);
    ann.send({ type: 'chat', id: 2, text: 'still here' });
    assert.equal((await bob.next('chat')).text, 'still here');
  });

  test('a connection that keeps sending garbage is closed as abusive; its room carries on', async () => {
    const room = freshRoom();
    const [ann, bob, mallory] = [await target.client(), await target.client(), await target.client()];
    await ann.join(room, 'Ann');
    await bob.join(room, 'Bob');
    await mallory.join(room, 'Mallory');
    for (let i = 0; i < 40; i++) mallory.send(`{"type":"chat","text":${i}}`);
    assert.equal(await mallory.closed(), 1008);
    await ann.next('participant_left', (m) => m.reason === 'disconnected');
    ann.send({ type: 'chat', id: 3, text: 'carry on' });
    assert.equal((await bob.next('chat', (m) => m.text === 'carry on')).name, 'Ann');
  });

  test('floods are answered with rate_limited', async () => {
    const c = await target.client();
    await c.join(freshRoom(), 'Flo');
    for (let i = 0; i < 230; i++) c.send({ type: 'ping' });
    const limited = await c.next('error', (m) => m.code === 'rate_limited');
    assert.match(limited.message, /too many messages/);
  });
}

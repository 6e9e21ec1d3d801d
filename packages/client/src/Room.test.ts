import assert from 'node:assert/strict';
import { test } from 'node:test';
import { connect } from './connect';
import { ConfabError } from './errors';
import { ConnectionState, RoomEvent } from './events';
import type { Room } from './Room';
import {
  fakePeerConnectionClass,
  fakeTrack,
  fakeWebSocketClass,
  joinedMessage,
  participantInfo,
  scriptSocket,
  tick,
  type FakeMediaStreamTrack,
  type FakePeerConnection,
  type FakeWebSocket,
} from './testFakes';

const SELF = participantInfo({ id: 'me', name: 'Me' });
const ALICE = participantInfo({ id: 'alice', name: 'Alice', tracks: [{ id: 'a-cam', source: 'camera', kind: 'video', muted: false }] });

/** A scripted server (testFakes' scriptSocket) whose join is answered by `joinReply`; a resume is not answered. */
function server(socket: FakeWebSocket, joinReply: (id: number) => unknown = (id) =>
  joinedMessage(id, { self: SELF, participants: [ALICE], iceServers: [{ urls: 'stun:stun.example:3478' }] })): void {
  scriptSocket(socket, { join: (message) => joinReply(message['id'] as number), resume: () => undefined });
}

async function joinRoom(): Promise<{ room: Room; socket: FakeWebSocket; events: string[]; peers: ReturnType<typeof fakePeerConnectionClass>['peers'] }> {
  const { WebSocket, sockets } = fakeWebSocketClass((s) => server(s));
  const { RTCPeerConnection, peers } = fakePeerConnectionClass();
  const room = await connect('http://confab.test', 'standup', 'Me', { WebSocket, RTCPeerConnection });
  const events: string[] = [];
  for (const event of Object.values(RoomEvent)) {
    room.on(event, (...args: unknown[]) => {
      const first = args[0] as { source?: string; id?: string; name?: string } | string | number;
      const label = typeof first === 'object' && first !== null ? (first.id ?? first.source ?? first.name ?? '') : String(first);
      events.push(`${event}:${label}`);
    });
  }
  return { room, socket: sockets[0]!, events, peers };
}

test('connect joins, builds participants and both peer connections', async () => {
  const { room, socket, peers } = await joinRoom();
  assert.equal(socket.url, 'ws://confab.test/rtc');
  assert.deepEqual(socket.messages()[0], { type: 'join', v: 1, room: 'standup', name: 'Me', id: 1 });
  assert.equal(room.state, ConnectionState.Connected);
  assert.equal(room.localParticipant.id, 'me');
  assert.deepEqual([...room.participants.keys()], ['alice']);
  const alice = room.participants.get('alice')!;
  assert.equal(alice.joinedAt.getTime(), 1_700_000_000_000);
  assert.equal(alice.tracks.get('camera')?.id, 'a-cam');
  assert.deepEqual(room.iceServers, [{ urls: 'stun:stun.example:3478' }]);
  assert.equal(peers.length, 2);
  for (const pc of peers) assert.equal(pc.config.bundlePolicy, 'max-bundle');
  await room.leave();
});

test('joining a room of 2,000 people: the joined that lists them (over the 256 KiB a client may send) is taken', async () => {
  const crowd = Array.from({ length: 2000 }, (_, i) => participantInfo({ id: `p${i}`, name: `Person ${i}` }));
  const { WebSocket } = fakeWebSocketClass((s) => server(s, (id) => joinedMessage(id, { self: SELF, participants: crowd })));
  const { RTCPeerConnection } = fakePeerConnectionClass();
  const room = await connect('http://confab.test', 'town-hall', 'Me', { WebSocket, RTCPeerConnection, connectTimeoutMs: 5000 });
  assert.equal(room.participants.size, 2000);
  await room.leave();
});

test('subscriber offers map mids to tracks; media arrives and leaves with the offers', async () => {
  const { room, socket, events, peers } = await joinRoom();
  const subscriber = peers[1]!;
  socket.receive({ type: 'candidate', target: 'subscriber', candidate: { candidate: 'candidate:early', sdpMid: '0', sdpMLineIndex: 0 } });
  socket.receive({ type: 'offer', target: 'subscriber', revision: 1, sdp: 'fake mids=0', tracks: [{ mid: '0', trackId: 'a-cam', participantId: 'alice' }] });
  await tick(5);
  const camera = room.participants.get('alice')!.tracks.get('camera')!;
  assert.ok(camera.mediaStreamTrack, 'camera subscribed');
  assert.deepEqual(events, ['trackSubscribed:a-cam']);
  assert.deepEqual(subscriber.candidates, [{ candidate: 'candidate:early', sdpMid: '0', sdpMLineIndex: 0 }]);
  const answer = socket.messages().find((m) => m['type'] === 'answer');
  assert.equal(answer?.['target'], 'subscriber');

  // Bob joins; his offer arrives before his track_published: media is attached when the track is announced.
  socket.receive({ type: 'participant_joined', participant: participantInfo({ id: 'bob', name: 'Bob' }) });
  socket.receive({ type: 'offer', target: 'subscriber', revision: 2, sdp: 'fake mids=0,1', tracks: [
    { mid: '0', trackId: 'a-cam', participantId: 'alice' },
    { mid: '1', trackId: 'b-mic', participantId: 'bob' },
  ] });
  await tick(5);
  socket.receive({ type: 'track_published', participantId: 'bob', track: { id: 'b-mic', source: 'microphone', kind: 'audio', muted: false } });
  const mic = room.participants.get('bob')!.tracks.get('microphone')!;
  assert.ok(mic.mediaStreamTrack);
  assert.deepEqual(events.slice(1), ['participantJoined:bob', 'trackPublished:b-mic', 'trackSubscribed:b-mic']);

  socket.receive({ type: 'track_muted', participantId: 'bob', trackId: 'b-mic', muted: true });
  assert.equal(mic.muted, true);
  socket.receive({ type: 'participant_updated', participant: participantInfo({ id: 'bob', name: 'Bob', status: 'away' }) });
  assert.equal(room.participants.get('bob')!.status, 'away');

  // Alice's camera is dropped from the next offer: unsubscribed (once), then unpublished.
  socket.receive({ type: 'offer', target: 'subscriber', revision: 3, sdp: 'fake mids=1', tracks: [{ mid: '1', trackId: 'b-mic', participantId: 'bob' }] });
  await tick(5);
  socket.receive({ type: 'track_unpublished', participantId: 'alice', trackId: 'a-cam' });
  assert.equal(camera.mediaStreamTrack, undefined);
  assert.equal(room.participants.get('alice')!.tracks.size, 0);

  socket.receive({ type: 'participant_left', participantId: 'bob', reason: 'left' });
  assert.equal(room.participants.has('bob'), false);
  assert.deepEqual(events.slice(4), [
    'trackMuted:b-mic',
    'participantUpdated:bob',
    'trackUnsubscribed:a-cam',
    'trackUnpublished:a-cam',
    'trackUnsubscribed:b-mic',
    'trackUnpublished:b-mic',
    'participantLeft:bob',
  ]);
  const stats = await room.getStats();
  assert.deepEqual(stats, []);
  await room.leave();
});

test('getStats reports inbound stats of subscribed tracks', async () => {
  const { room, socket } = await joinRoom();
  socket.receive({ type: 'offer', target: 'subscriber', revision: 4, sdp: 'fake mids=0', tracks: [{ mid: '0', trackId: 'a-cam', participantId: 'alice' }] });
  await tick(5);
  const [stats] = await room.getStats();
  assert.deepEqual(stats, {
    trackId: 'a-cam', participantId: 'alice', participantName: 'Alice', source: 'camera', kind: 'video',
    bytesReceived: 1000, packetsReceived: 10, packetsLost: 1, jitter: 0.01,
  });
  await room.leave();
});

test('publish, mute, unpublish follow the protocol order', async () => {
  const { room, socket, events, peers } = await joinRoom();
  const publisher = peers[0]!;
  const camera = fakeTrack('video');
  const local = await room.localParticipant.publishTrack(camera, 'camera');
  const sent = socket.messages().slice(1).map((m) => m['type']);
  assert.deepEqual(sent, ['publish', 'offer']);
  assert.deepEqual(socket.messages()[1], { type: 'publish', source: 'camera', mid: '0', id: 2 });
  assert.equal(socket.messages()[2]?.['target'], 'publisher');
  assert.equal(publisher.remoteDescription?.sdp, 'fake server answer');
  assert.equal(room.localParticipant.tracks.get('camera'), local);
  assert.equal(local.kind, 'video');
  await assert.rejects(room.localParticipant.publishTrack(fakeTrack('video'), 'camera'), (e: unknown) => e instanceof ConfabError && e.code === 'conflict');
  await assert.rejects(room.localParticipant.publishTrack(fakeTrack('video'), 'microphone'), (e: unknown) => e instanceof ConfabError && e.code === 'invalid_argument');

  await room.localParticipant.setMuted('camera', true);
  assert.equal(local.muted, true);
  assert.equal(publisher.transceivers[0]!.sender.track, null);
  assert.deepEqual(socket.messages().at(-1), { type: 'mute', source: 'camera', muted: true, id: 4 });
  await room.localParticipant.setMuted('camera', false);
  assert.equal(publisher.transceivers[0]!.sender.track, camera);

  socket.receive({ type: 'participant_updated', participant: { ...SELF, tracks: [{ id: 'my-cam', source: 'camera', kind: 'video', muted: false }] } });
  assert.equal(local.id, 'my-cam');

  await room.localParticipant.unpublish('camera');
  assert.deepEqual(socket.messages().slice(-2).map((m) => m['type']), ['unpublish', 'offer']);
  assert.equal(room.localParticipant.tracks.size, 0);
  assert.equal((camera as unknown as FakeMediaStreamTrack).stopped, false, 'tracks the app captured are not stopped');
  assert.deepEqual(events, ['localTrackPublished:camera', 'trackMuted:camera', 'trackMuted:camera', 'localTrackUnpublished:my-cam']);
  await room.leave();
});

test('a failed publish rolls back and reports the error', async () => {
  const { room, socket, peers } = await joinRoom();
  peers[0]!.failRemoteAnswer = new Error('bad answer');
  await assert.rejects(room.localParticipant.publishTrack(fakeTrack('audio'), 'microphone'));
  assert.equal(room.localParticipant.tracks.size, 0);
  assert.equal(peers[0]!.signalingState, 'stable');
  await tick(5);
  assert.equal(socket.messages().at(-1)?.['type'], 'unpublish');
  peers[0]!.failRemoteAnswer = undefined;
  await room.localParticipant.publishTrack(fakeTrack('audio'), 'microphone');
  assert.equal(room.localParticipant.tracks.size, 1);
  await room.leave();
});

test('a screen share ended from the browser UI is unpublished automatically', async () => {
  const { room, events } = await joinRoom();
  const screen = fakeTrack('video');
  await room.localParticipant.publishTrack(screen, 'screen');
  const unpublished = new Promise((resolve) => room.once(RoomEvent.LocalTrackUnpublished, resolve));
  (screen as unknown as FakeMediaStreamTrack).end();
  await unpublished; // a few fake round trips; under load they take longer than any fixed tick
  assert.equal(room.localParticipant.tracks.has('screen'), false);
  assert.deepEqual(events, ['localTrackPublished:screen', 'localTrackUnpublished:screen']);
  await room.leave();
});

test('chat, server errors and shutdown become events; sendChat resolves on ack', async () => {
  const { room, socket } = await joinRoom();
  const chats: { text: string; fromSelf: boolean; time: Date }[] = [];
  const errors: ConfabError[] = [];
  const shutdowns: number[] = [];
  room.on(RoomEvent.ChatMessage, (m) => chats.push(m));
  room.on(RoomEvent.Error, (e) => errors.push(e));
  room.on(RoomEvent.ShutdownAnnounced, (s) => shutdowns.push(s));
  await room.localParticipant.sendChat('hello');
  await assert.rejects(room.localParticipant.sendChat('   '), (e: unknown) => e instanceof ConfabError && e.code === 'invalid_argument');
  socket.receive({ type: 'chat', messageId: 'm1', participantId: 'me', name: 'Me', time: 1_700_000_000_500, text: 'hello' });
  socket.receive({ type: 'chat', messageId: 'm2', participantId: 'alice', name: 'Alice', time: 1_700_000_000_600, text: '<b>hi</b>' });
  socket.receive({ type: 'error', code: 'rate_limited', message: 'too fast' });
  socket.receive({ type: 'shutdown', seconds: 30 });
  assert.deepEqual(chats.map((c) => [c.text, c.fromSelf]), [['hello', true], ['<b>hi</b>', false]]);
  assert.equal(chats[0]!.time.getTime(), 1_700_000_000_500);
  assert.deepEqual(errors.map((e) => e.code), ['rate_limited']);
  assert.deepEqual(shutdowns, [30]);
  await room.localParticipant.setStatus('busy');
  assert.equal(room.localParticipant.status, 'busy');
  await room.leave();
});

test('leave sends leave, closes everything and ends Disconnected with reason "left"', async () => {
  const { room, socket, peers } = await joinRoom();
  const states: ConnectionState[] = [];
  room.on(RoomEvent.ConnectionStateChanged, (s) => states.push(s));
  await room.leave();
  assert.equal(socket.messages().at(-1)?.['type'], 'leave');
  assert.equal(room.state, ConnectionState.Disconnected);
  assert.equal(room.disconnectReason, 'left');
  assert.deepEqual(states, [ConnectionState.Disconnected]);
  assert.ok(peers.every((pc) => pc.closed));
  assert.equal(socket.readyState, 3);
  await room.leave(); // idempotent
});

test('the server closing the socket disconnects the room with the close reason', async () => {
  const { room, socket } = await joinRoom();
  socket.serverClose(1008, 'policy violation');
  assert.equal(room.state, ConnectionState.Disconnected);
  assert.equal(room.disconnectReason, 'socket closed (code 1008: policy violation)');
  await assert.rejects(room.localParticipant.sendChat('anyone?'), (e: unknown) => e instanceof ConfabError && e.code === 'closed');
});

test('connect rejects on a join error, a bad room name, and a timeout', async () => {
  const { RTCPeerConnection } = fakePeerConnectionClass();
  const refused = fakeWebSocketClass((s) => server(s, (id) => ({ type: 'error', id, code: 'resource_exhausted', message: 'room is full' })));
  await assert.rejects(
    connect('ws://confab.test/rtc', 'full', 'Me', { WebSocket: refused.WebSocket, RTCPeerConnection }),
    (e: unknown) => e instanceof ConfabError && e.code === 'resource_exhausted' && e.reason === 'room is full',
  );
  assert.equal(refused.sockets[0]!.readyState, 3);

  await assert.rejects(connect('ws://confab.test/rtc', 'no spaces', 'Me', { RTCPeerConnection }), (e: unknown) => e instanceof ConfabError && e.code === 'invalid_argument');

  const silent = fakeWebSocketClass((s) => queueMicrotask(() => s.open()));
  await assert.rejects(
    connect('ws://confab.test/rtc', 'quiet', 'Me', { WebSocket: silent.WebSocket, RTCPeerConnection, connectTimeoutMs: 30 }),
    (e: unknown) => e instanceof ConfabError && e.code === 'timeout',
  );
  assert.equal(silent.sockets[0]!.readyState, 3);
});

test('messages arriving in the same task as `joined` are handled after set-up', async () => {
  const { WebSocket } = fakeWebSocketClass((s) => {
    queueMicrotask(() => s.open());
    s.onSend = (message, ws) => {
      if (message['type'] !== 'join') return;
      setTimeout(() => {
        ws.receive(joinedMessage(message['id'] as number, { self: SELF, participants: [ALICE] }));
        ws.receive({ type: 'offer', target: 'subscriber', revision: 5, sdp: 'fake mids=0', tracks: [{ mid: '0', trackId: 'a-cam', participantId: 'alice' }] });
      }, 1);
    };
  });
  const { RTCPeerConnection } = fakePeerConnectionClass();
  const room = await connect('ws://confab.test/rtc', 'standup', 'Me', { WebSocket, RTCPeerConnection });
  await tick(5);
  assert.ok(room.participants.get('alice')!.tracks.get('camera')!.mediaStreamTrack, 'the early offer was applied');
  await room.leave();
});

test('an m-line reused for another track swaps the subscription without a new track event', async () => {
  const { room, socket, events } = await joinRoom();
  socket.receive({ type: 'offer', target: 'subscriber', revision: 6, sdp: 'fake mids=0', tracks: [{ mid: '0', trackId: 'a-cam', participantId: 'alice' }] });
  await tick(5);
  socket.receive({ type: 'track_published', participantId: 'alice', track: { id: 'a-screen', source: 'screen', kind: 'video', muted: false } });
  socket.receive({ type: 'offer', target: 'subscriber', revision: 7, sdp: 'fake mids=0', tracks: [{ mid: '0', trackId: 'a-screen', participantId: 'alice' }] });
  await tick(5);
  assert.deepEqual(events, ['trackSubscribed:a-cam', 'trackPublished:a-screen', 'trackUnsubscribed:a-cam', 'trackSubscribed:a-screen']);
  await room.leave();
});

/** A server that also answers `resume` (with `resumeReply`) on every socket the client opens. */
function resumingServer(resumeReply: (id: number) => unknown) {
  return fakeWebSocketClass((s) => {
    server(s);
    const answer = s.onSend!;
    s.onSend = (message, ws) => {
      if (message['type'] === 'resume') setTimeout(() => ws.receive(resumeReply(message['id'] as number)), 1);
      else answer(message, ws);
    };
  });
}

test('a dropped socket resumes the same session: queued chat goes out once, publisher ICE restarts', async () => {
  const { WebSocket, sockets } = resumingServer((id) => ({ type: 'resumed', id, lastRequestId: 0 }));
  const { RTCPeerConnection } = fakePeerConnectionClass();
  const room = await connect('http://confab.test', 'standup', 'Me', { WebSocket, RTCPeerConnection });
  const events: string[] = [];
  room.on(RoomEvent.Reconnecting, () => events.push('reconnecting'));
  room.on(RoomEvent.Reconnected, (resumed) => events.push(`reconnected:${resumed}`));
  sockets[0]!.serverClose(1006, '');
  assert.equal(room.state, ConnectionState.Reconnecting);
  const chat = room.localParticipant.sendChat('sent while away');
  await chat;
  assert.deepEqual(events, ['reconnecting', 'reconnected:true']);
  assert.equal(room.state, ConnectionState.Connected);
  assert.equal(room.localParticipant.id, 'me');
  const sent = sockets[1]!.messages();
  assert.deepEqual(sent[0], { type: 'resume', id: sent[0]!['id'], v: 1, room: 'standup', participantId: 'me', token: 'token', lastSeq: 0 });
  assert.equal(sent.filter((m) => m['type'] === 'chat').length, 1);
  await tick(5);
  assert.ok(sockets[1]!.messages().some((m) => m['type'] === 'offer'), 'the publisher offers again (ICE restart)');
  await room.leave();
});

test('a resume applies the fresh TURN credentials of `resumed` to both connections before the publisher restarts ICE', async () => {
  const fresh = [{ urls: 'turn:turn.example:3478', username: '1800000000:me', credential: 'new' }];
  const { WebSocket, sockets } = resumingServer((id) => ({ type: 'resumed', id, lastRequestId: 0, iceServers: fresh }));
  const { RTCPeerConnection, peers } = fakePeerConnectionClass();
  const room = await connect('http://confab.test', 'standup', 'Me', { WebSocket, RTCPeerConnection });
  const [publisher, subscriber] = peers as [FakePeerConnection, FakePeerConnection];
  const reconnected = new Promise((resolve) => room.on(RoomEvent.Reconnected, resolve));
  sockets[0]!.serverClose(1006, '');
  await reconnected;
  for (const pc of [publisher, subscriber]) {
    assert.deepEqual(pc.configurations.at(-1)?.iceServers, fresh);
    assert.equal(pc.configurations.at(-1)?.bundlePolicy, 'max-bundle', 'the rest of the configuration is kept');
  }
  assert.deepEqual(room.iceServers, fresh);
  await tick(5);
  assert.deepEqual(publisher.offerOptions.at(-1), { iceRestart: true });
  assert.equal(sockets[1]!.messages().filter((m) => m['type'] === 'ice_servers').length, 0, 'no extra round trip: resumed carried them');
  await room.leave();
});

test('a room moved to another server: same participant id and remote participants, both peer connections rebuilt, tracks republished in one negotiation', async () => {
  const fresh = [{ urls: 'turn:other-node.example:3478', username: '1800000000:me', credential: 'new' }];
  const { WebSocket, sockets } = resumingServer((id) => ({ type: 'resumed', id, lastRequestId: 4, iceServers: fresh, mediaReset: true }));
  const { RTCPeerConnection, peers } = fakePeerConnectionClass();
  const room = await connect('http://confab.test', 'standup', 'Me', { WebSocket, RTCPeerConnection });
  const camera = fakeTrack('video');
  await room.localParticipant.publishTrack(camera, 'camera');
  await room.localParticipant.setMuted('camera', true);
  await room.localParticipant.publishTrack(fakeTrack('audio'), 'microphone');
  sockets[0]!.receive({ type: 'offer', target: 'subscriber', revision: 1, sdp: 'fake mids=0', tracks: [{ mid: '0', trackId: 'a-cam', participantId: 'alice' }] });
  await tick(5);
  const alice = room.participants.get('alice')!;
  const aliceCamera = alice.tracks.get('camera')!;
  const before = aliceCamera.mediaStreamTrack;
  assert.ok(before);
  const events: string[] = [];
  for (const event of Object.values(RoomEvent)) room.on(event, (...args: unknown[]) => events.push(`${event}:${(args[0] as { id?: string })?.id ?? String(args[0])}`));

  const reconnected = new Promise<boolean>((resolve) => room.on(RoomEvent.Reconnected, resolve));
  sockets[0]!.serverClose(4002, 'room moved to another server; resume');
  assert.equal(await reconnected, true, 'the same session');
  await tick(10);
  assert.equal(peers.length, 4, 'new publisher and subscriber connections');
  assert.ok(peers[0]!.closed && peers[1]!.closed);
  const [publisher, subscriber] = [peers[2]!, peers[3]!];
  assert.deepEqual(publisher.config.iceServers, fresh);
  const sent = sockets[1]!.messages();
  assert.deepEqual(sent.map((m) => m['type']), ['resume', 'publish', 'publish', 'offer'], 'no join: camera and microphone are published again on the new connection, in one offer');
  assert.deepEqual(sent[1], { type: 'publish', source: 'camera', mid: '0', muted: true, id: sent[1]!['id'] });
  assert.deepEqual(sent[2], { type: 'publish', source: 'microphone', mid: '1', id: sent[2]!['id'] });
  assert.equal(publisher.transceivers[0]!.sender.track, null, 'still muted');
  assert.equal(room.localParticipant.id, 'me');
  assert.equal(room.participants.get('alice'), alice, 'remote participants are kept');
  assert.equal(aliceCamera.mediaStreamTrack, undefined, "Alice's old media is gone with the old connection");

  // Nothing to receive until Alice is back: the restarted subscriber transport offers nothing, and a
  // browser (max-bundle) would refuse that SDP, so it is answered without touching the connection.
  sockets[1]!.receive({ type: 'offer', target: 'subscriber', revision: 2, sdp: 'v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n', tracks: [] });
  await tick(5);
  assert.equal(subscriber.remoteDescription, null);
  assert.deepEqual(sockets[1]!.messages().filter((m) => m['type'] === 'answer').map((m) => [m['revision'], String(m['sdp']).slice(0, 4)]), [[2, 'v=0\r']]);
  sockets[1]!.receive({ type: 'offer', target: 'subscriber', revision: 3, sdp: 'fake mids=0', tracks: [{ mid: '0', trackId: 'a-cam', participantId: 'alice' }] });
  await tick(5);
  assert.equal(alice.tracks.get('camera'), aliceCamera, 'the same remote track');
  assert.equal(aliceCamera.mediaStreamTrack, subscriber.transceivers[0]!.receiver.track, 'its media arrives on the new subscriber connection');
  assert.deepEqual(events, ['connectionStateChanged:reconnecting', 'reconnecting:socket closed (code 4002: room moved to another server; resume)',
    'trackUnsubscribed:a-cam', 'connectionStateChanged:connected', 'reconnected:true', 'trackSubscribed:a-cam']);
  await room.leave();
});

test('a session the server no longer has is joined afresh on the same socket', async () => {
  const { WebSocket, sockets } = resumingServer((id) => ({ type: 'error', id, code: 'not_found', message: 'session expired' }));
  const { RTCPeerConnection, peers } = fakePeerConnectionClass();
  const room = await connect('http://confab.test', 'standup', 'Me', { WebSocket, RTCPeerConnection });
  const reconnected = new Promise<boolean>((resolve) => room.on(RoomEvent.Reconnected, resolve));
  sockets[0]!.serverClose(1001, 'server restarting');
  assert.equal(await reconnected, false);
  assert.deepEqual(sockets[1]!.messages().map((m) => m['type']).slice(0, 2), ['resume', 'join']);
  assert.equal(peers.length, 4, 'new publisher and subscriber connections');
  assert.ok(peers[0]!.closed && peers[1]!.closed);
  await room.leave();
});

test('abuse or size closes are final: Disconnected with the reason, no reconnect', async () => {
  const { room, socket } = await joinRoom();
  const reasons: string[] = [];
  room.on(RoomEvent.Disconnected, (reason) => reasons.push(reason));
  socket.serverClose(1009, 'too big');
  assert.deepEqual(reasons, ['socket closed (code 1009: too big)']);
});

test('media that loses its path while signaling is fine restarts ICE on both connections', async () => {
  const { socket, peers } = await joinRoom();
  const [publisher, subscriber] = peers as [FakePeerConnection, FakePeerConnection];
  publisher.setIceState('failed');
  subscriber.setIceState('failed');
  await tick(10);
  assert.deepEqual(publisher.offerOptions.at(-1), { iceRestart: true });
  assert.ok(socket.messages().some((m) => m['type'] === 'restart_ice'), 'the server is asked to restart the subscriber side');
  // Fresh TURN credentials were fetched and applied before each restart.
  const types = socket.messages().map((m) => m['type']);
  assert.ok(types.indexOf('ice_servers') >= 0 && types.indexOf('ice_servers') < types.indexOf('restart_ice'));
  for (const pc of [publisher, subscriber]) assert.match(String((pc.configurations.at(-1)?.iceServers?.[0] as RTCIceServer).username), /^renewed-/);
});

test('forceRelay makes both peer connections relay-only', async () => {
  const { WebSocket } = fakeWebSocketClass((s) => server(s));
  const { RTCPeerConnection, peers } = fakePeerConnectionClass();
  const room = await connect('http://confab.test', 'standup', 'Me', { WebSocket, RTCPeerConnection, forceRelay: true });
  assert.deepEqual(peers.map((pc) => pc.config.iceTransportPolicy), ['relay', 'relay']);
  const errors: string[] = [];
  room.on(RoomEvent.Error, (error) => errors.push(error.reason));
  await tick(5);
  assert.match(errors[0] ?? '', /needs a TURN server, and the server offers none/, 'the scripted server offers only STUN');
  const withTurn = fakeWebSocketClass((s) =>
    server(s, (id) => joinedMessage(id, { self: SELF, iceServers: [{ urls: ['turn:turn.example:3478?transport=udp'], username: '1800000000:me', credential: 'c' }] })),
  );
  const relayed = await connect('http://confab.test', 'standup', 'Me', { WebSocket: withTurn.WebSocket, RTCPeerConnection, forceRelay: true });
  const none: string[] = [];
  relayed.on(RoomEvent.Error, (error) => none.push(error.reason));
  await tick(5);
  assert.deepEqual(none, []);
  await relayed.leave();
  await room.leave();
  const plain = fakePeerConnectionClass();
  const other = await connect('http://confab.test', 'standup', 'Me', { WebSocket, RTCPeerConnection: plain.RTCPeerConnection });
  assert.deepEqual(plain.peers.map((pc) => pc.config.iceTransportPolicy), [undefined, undefined]);
  await other.leave();
});

test('connect({ publish }) hands preview tracks over: no capture, published as they are, stopped on leave', async () => {
  const { WebSocket, sockets } = fakeWebSocketClass((s) => server(s));
  const { RTCPeerConnection, peers } = fakePeerConnectionClass();
  const microphone = fakeTrack('audio');
  const camera = fakeTrack('video');
  // No navigator.mediaDevices in Node: any capture attempt would fail with media_unavailable.
  const room = await connect('http://confab.test', 'standup', 'Me', { WebSocket, RTCPeerConnection, publish: { microphone, camera } });
  const errors: ConfabError[] = [];
  room.on(RoomEvent.Error, (e) => errors.push(e));
  // Both publishes are server round trips; poll rather than guess how long a loaded machine takes.
  for (let i = 0; i < 200 && room.localParticipant.tracks.size + errors.length < 2; i++) await tick(10);
  assert.deepEqual(errors, []);
  assert.equal(room.localParticipant.tracks.get('microphone')?.mediaStreamTrack, microphone);
  assert.equal(room.localParticipant.tracks.get('camera')?.mediaStreamTrack, camera);
  assert.deepEqual(peers[0]!.transceivers.map((t) => t.sender.track), [microphone, camera]);
  assert.deepEqual(sockets[0]!.messages().filter((m) => m['type'] === 'publish').map((m) => m['source']), ['microphone', 'camera']);
  await room.leave();
  assert.equal((camera as unknown as FakeMediaStreamTrack).stopped, true, 'the SDK owns handed-over tracks');
  assert.equal((microphone as unknown as FakeMediaStreamTrack).stopped, true);
});

test('handed-over preview tracks are stopped when the join fails (the camera light goes off)', async () => {
  const { WebSocket } = fakeWebSocketClass((s) => server(s, (id) => ({ type: 'error', id, code: 'unavailable', message: 'shutting down' })));
  const { RTCPeerConnection } = fakePeerConnectionClass();
  const camera = fakeTrack('video');
  await assert.rejects(connect('http://confab.test', 'standup', 'Me', { WebSocket, RTCPeerConnection, publish: { camera } }), (e: unknown) => e instanceof ConfabError && e.code === 'unavailable');
  assert.equal((camera as unknown as FakeMediaStreamTrack).stopped, true);
});

test('a drop right after joining delays the hand-over publish until reconnected, instead of dropping it', async () => {
  const { WebSocket, sockets } = resumingServer((id) => ({ type: 'resumed', id, lastRequestId: 0 }));
  const { RTCPeerConnection } = fakePeerConnectionClass();
  const camera = fakeTrack('video');
  const room = await connect('http://confab.test', 'standup', 'Me', { WebSocket, RTCPeerConnection, publish: { camera } });
  sockets[0]!.serverClose(1006, '');
  assert.equal(room.state, ConnectionState.Reconnecting);
  for (let i = 0; i < 200 && !room.localParticipant.tracks.has('camera'); i++) await tick(10);
  assert.equal(room.state, ConnectionState.Connected);
  assert.equal(room.localParticipant.tracks.get('camera')?.mediaStreamTrack, camera, 'published once back');
  assert.equal((camera as unknown as FakeMediaStreamTrack).stopped, false);
  await room.leave();
});

test('active speakers, the dominant speaker and connection quality come from the server', async () => {
  const { room, socket } = await joinRoom();
  const speakers: unknown[] = [];
  const dominant: (string | null)[] = [];
  const qualities: string[] = [];
  room.on(RoomEvent.ActiveSpeakersChanged, (s) => speakers.push(s));
  room.on(RoomEvent.DominantSpeakerChanged, (id) => dominant.push(id));
  room.on(RoomEvent.ConnectionQualityChanged, (q, id) => qualities.push(`${id}:${q}`));
  assert.equal(room.dominantSpeaker, null);
  assert.equal(room.connectionQuality('alice'), 'excellent');
  socket.receive({ type: 'active_speakers', speakers: [{ participantId: 'alice', level: 0.6 }, { participantId: 'me', level: 0.2 }], dominant: 'alice' });
  socket.receive({ type: 'active_speakers', speakers: [{ participantId: 'alice', level: 0.4 }], dominant: 'alice' });
  socket.receive({ type: 'active_speakers', speakers: [], dominant: 'alice' });
  socket.receive({ type: 'connection_quality', updates: [{ participantId: 'alice', quality: 'poor' }, { participantId: 'me', quality: 'excellent' }] });
  socket.receive({ type: 'connection_quality', updates: [{ participantId: 'alice', quality: 'poor' }] });
  socket.receive({ type: 'active_speakers', speakers: [{ participantId: 'x', level: 2 }], dominant: null }); // invalid level: dropped at the edge
  assert.equal(speakers.length, 3);
  assert.deepEqual(speakers[0], [{ participantId: 'alice', level: 0.6 }, { participantId: 'me', level: 0.2 }]);
  assert.deepEqual(room.activeSpeakers, []);
  assert.deepEqual(dominant, ['alice']);
  assert.equal(room.dominantSpeaker, 'alice');
  assert.deepEqual(qualities, ['alice:poor']);
  assert.equal(room.connectionQuality('alice'), 'poor');
  await room.leave();
});

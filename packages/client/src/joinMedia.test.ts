/**
 * A join that gets media moving early: the devices are captured while the join is under way, and
 * connect() answers the server's first subscriber offer before it resolves (fakes for the socket,
 * the peer connections and getUserMedia; the real ones run in e2e and `npm run bench:join`).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { connect } from './connect';
import { RoomEvent } from './events';
import {
  fakePeerConnectionClass,
  fakeTrack,
  fakeWebSocketClass,
  joinedMessage,
  mediaStream as stream,
  participantInfo,
  scriptSocket,
  tick,
  withGetUserMedia,
  type FakeMediaStreamTrack,
  type FakeWebSocket,
} from './testFakes';

const SELF = participantInfo({ id: 'me', name: 'Me' });
const ALICE = participantInfo({ id: 'alice', name: 'Alice', tracks: [{ id: 'a-cam', source: 'camera', kind: 'video', muted: false }] });
const CHAT = { type: 'chat', messageId: 'm1', participantId: 'alice', name: 'Alice', time: 1_700_000_000_500, text: 'welcome' };
const OFFER = { type: 'offer', target: 'subscriber', revision: 1, sdp: 'fake mids=0', tracks: [{ mid: '0', trackId: 'a-cam', participantId: 'alice' }] };

/** A server whose `joined` says an offer follows, then sends `after` (in order) a few ms later. */
function offeringServer(after: unknown[], joinDelayMs = 1): { WebSocket: typeof WebSocket; sockets: FakeWebSocket[] } {
  return fakeWebSocketClass((socket) =>
    scriptSocket(socket, {
      join: (message, ws) => {
        const joined = joinedMessage(message['id'] as number, { self: SELF, participants: [ALICE], subscriberOfferFollows: true });
        setTimeout(() => {
          ws.receive(joined);
          setTimeout(() => after.forEach((m) => ws.receive(m)), 5);
        }, joinDelayMs);
        return undefined;
      },
    }),
  );
}

test('connect() resolves once the first subscriber offer is answered; what came meanwhile reaches listeners after, in order', async () => {
  const { WebSocket, sockets } = offeringServer([CHAT, OFFER, { ...CHAT, messageId: 'm2', text: 'again' }]);
  const { RTCPeerConnection } = fakePeerConnectionClass();
  const room = await connect('http://confab.test', 'standup', 'Me', { WebSocket, RTCPeerConnection });
  const answer = sockets[0]!.messages().find((m) => m['type'] === 'answer');
  assert.deepEqual(answer && { target: answer['target'], revision: answer['revision'] }, { target: 'subscriber', revision: 1 }, 'answered before connect() resolved');
  const chats: string[] = [];
  room.on(RoomEvent.ChatMessage, (m) => chats.push(m.text));
  await tick(5);
  assert.deepEqual(chats, ['welcome', 'again'], 'held messages delivered once, in order, to listeners attached after connect()');
  sockets[0]!.receive({ ...CHAT, messageId: 'm3', text: 'live' });
  assert.deepEqual(chats, ['welcome', 'again', 'live'], 'later messages go straight through');
  await room.leave();
});

test("connect() waits for the subscriber connection's first local candidate after the answer, at most 200 ms", async () => {
  // A browser whose gathering takes 60 ms: connect() resolves only once the candidate is there.
  const { WebSocket } = offeringServer([OFFER]);
  const { RTCPeerConnection, peers } = fakePeerConnectionClass();
  let candidateAt = NaN;
  const connecting = connect('http://confab.test', 'standup', 'Me', { WebSocket, RTCPeerConnection });
  for (let i = 0; i < 100 && peers.length < 2; i++) await tick(1);
  setTimeout(() => {
    candidateAt = performance.now();
    peers[1]!.onicecandidate?.({ candidate: { candidate: 'candidate:1 1 udp 2122260223 127.0.0.1 50000 typ host', sdpMid: '0', sdpMLineIndex: 0 } });
  }, 60);
  const room = await connecting;
  assert.ok(performance.now() >= candidateAt, 'resolved after the candidate');
  await room.leave();

  // One that gathers nothing (the fakes never do): connect() goes on after 200 ms.
  const never = offeringServer([OFFER]);
  const begun = performance.now();
  const second = await connect('http://confab.test', 'standup', 'Me', { WebSocket: never.WebSocket, RTCPeerConnection: fakePeerConnectionClass().RTCPeerConnection });
  const waited = performance.now() - begun;
  assert.ok(waited >= 190 && waited < 1_000, `waited ${Math.round(waited)} ms`);
  await second.leave();
});

test('an offer announced but never sent holds connect() at most a second, and nothing is lost', async () => {
  const { WebSocket, sockets } = offeringServer([CHAT]);
  const { RTCPeerConnection } = fakePeerConnectionClass();
  const room = await connect('http://confab.test', 'standup', 'Me', { WebSocket, RTCPeerConnection });
  const chats: string[] = [];
  room.on(RoomEvent.ChatMessage, (m) => chats.push(m.text));
  await tick(5);
  assert.deepEqual(chats, ['welcome']);
  assert.equal(sockets[0]!.messages().filter((m) => m['type'] === 'answer').length, 0);
  await room.leave();
});

test('devices to publish are captured while the join is under way, and those tracks are published', async () => {
  const order: string[] = [];
  const microphone = fakeTrack('audio');
  const camera = fakeTrack('video');
  await withGetUserMedia(
    async (constraints) => {
      order.push(`getUserMedia ${JSON.stringify(constraints)}`);
      return stream([microphone, camera]);
    },
    async () => {
      const { WebSocket, sockets } = offeringServer([OFFER], 30);
      const { RTCPeerConnection } = fakePeerConnectionClass();
      const room = await connect('http://confab.test', 'standup', 'Me', { WebSocket, RTCPeerConnection, publish: { microphone: true, camera: true } });
      order.push('joined');
      for (let i = 0; i < 200 && room.localParticipant.tracks.size < 2; i++) await tick(10);
      assert.deepEqual(order, ['getUserMedia {"audio":true,"video":true}', 'joined'], 'one capture, asked before the join was answered');
      assert.equal(room.localParticipant.tracks.get('microphone')?.mediaStreamTrack, microphone);
      assert.equal(room.localParticipant.tracks.get('camera')?.mediaStreamTrack, camera);
      assert.deepEqual(sockets[0]!.messages().filter((m) => m['type'] === 'publish').map((m) => m['source']), ['microphone', 'camera']);
      await room.leave();
      assert.equal((camera as unknown as FakeMediaStreamTrack).stopped, true);
    },
  );
});

test("the initial publish waits for the subscriber connection to connect (at most a second), so the others' media comes first", async () => {
  await withGetUserMedia(
    async () => stream([fakeTrack('video')]),
    async () => {
      const publishes = (socket: FakeWebSocket): number => socket.messages().filter((m) => m['type'] === 'publish').length;
      // Alice publishes: the camera goes out once the subscriber connection connected.
      const { WebSocket, sockets } = offeringServer([OFFER]);
      const { RTCPeerConnection, peers } = fakePeerConnectionClass();
      const room = await connect('http://confab.test', 'standup', 'Me', { WebSocket, RTCPeerConnection, publish: { camera: true } });
      await tick(100);
      assert.equal(publishes(sockets[0]!), 0, 'held while the subscriber connection is connecting');
      peers[1]!.setConnectionState('connected');
      for (let i = 0; i < 100 && publishes(sockets[0]!) === 0; i++) await tick(5);
      assert.equal(publishes(sockets[0]!), 1, 'published once it connected');
      await room.leave();

      // A subscriber connection that never connects holds it a second at most.
      const stuck = offeringServer([OFFER]);
      const started = performance.now();
      const second = await connect('http://confab.test', 'standup', 'Me', { WebSocket: stuck.WebSocket, RTCPeerConnection: fakePeerConnectionClass().RTCPeerConnection, publish: { camera: true } });
      for (let i = 0; i < 400 && publishes(stuck.sockets[0]!) === 0; i++) await tick(5);
      const waited = performance.now() - started;
      assert.equal(publishes(stuck.sockets[0]!), 1);
      assert.ok(waited >= 900, `published after ${Math.round(waited)} ms`);
      await second.leave();
    },
  );
});

test('with nobody to receive, the initial publish does not wait', async () => {
  await withGetUserMedia(
    async () => stream([fakeTrack('video')]),
    async () => {
      const { WebSocket, sockets } = fakeWebSocketClass((socket) =>
        scriptSocket(socket, { join: (message) => joinedMessage(message['id'] as number, { self: SELF, participants: [participantInfo({ id: 'bob', name: 'Bob' })] }) }),
      );
      const room = await connect('http://confab.test', 'standup', 'Me', { WebSocket, RTCPeerConnection: fakePeerConnectionClass().RTCPeerConnection, publish: { camera: true } });
      for (let i = 0; i < 40 && sockets[0]!.messages().every((m) => m['type'] !== 'publish'); i++) await tick(5);
      assert.ok(sockets[0]!.messages().some((m) => m['type'] === 'publish'), 'published within 200 ms');
      await room.leave();
    },
  );
});

test('what was captured during a join that fails is stopped (the camera light goes off)', async () => {
  const camera = fakeTrack('video');
  await withGetUserMedia(
    async () => stream([camera]),
    async () => {
      const { WebSocket } = fakeWebSocketClass((s) => scriptSocket(s, { join: (m) => ({ type: 'error', id: m['id'], code: 'unavailable', message: 'shutting down' }) }));
      const { RTCPeerConnection } = fakePeerConnectionClass();
      await assert.rejects(connect('http://confab.test', 'standup', 'Me', { WebSocket, RTCPeerConnection, publish: { camera: true } }));
      await tick(5);
      assert.equal((camera as unknown as FakeMediaStreamTrack).stopped, true);
    },
  );
});

test('a failed early capture leaves publishing to capture device by device, each reporting its own error', async () => {
  const asked: string[] = [];
  const camera = fakeTrack('video');
  await withGetUserMedia(
    async (constraints) => {
      asked.push(JSON.stringify(constraints));
      if (constraints.audio) throw Object.assign(new Error('no microphone'), { name: 'NotFoundError' });
      return stream([camera]);
    },
    async () => {
      const { WebSocket } = offeringServer([OFFER]);
      const { RTCPeerConnection } = fakePeerConnectionClass();
      const room = await connect('http://confab.test', 'standup', 'Me', { WebSocket, RTCPeerConnection, publish: { microphone: true, camera: true } });
      const errors: string[] = [];
      room.on(RoomEvent.Error, (e) => errors.push(e.code));
      for (let i = 0; i < 200 && room.localParticipant.tracks.size + errors.length < 2; i++) await tick(10);
      assert.equal(room.localParticipant.tracks.get('camera')?.mediaStreamTrack, camera, 'the camera still goes out');
      assert.equal(errors.length, 1, `the microphone's own error: ${errors.join(', ')}`);
      assert.equal(asked[0], '{"audio":true,"video":true}', 'both at once first');
      assert.deepEqual(asked.slice(1), ['{"audio":true}', '{"video":true}'], 'then device by device, without asking for both again');
      await room.leave();
    },
  );
});

/**
 * Recording as the SDK sees it, through a whole Room against the scripted server: the state a
 * joiner has when connect() resolves (even while connect() holds other messages for the first
 * offer), start and stop events with a failure's error, the moderator's request and its refusals,
 * and a full rejoin that learns whether the recording still runs.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { connect } from './connect';
import { ConfabError } from './errors';
import { RoomEvent, type Recording, type RecordingStop } from './events';
import { fakePeerConnectionClass, fakeTrack, fakeWebSocketClass, joinedMessage, participantInfo, scriptSocket, scriptedServer, tick, type FakeMediaStreamTrack } from './testFakes';

const SELF = participantInfo({ id: 'me', name: 'Me', moderator: true });
const ALICE = participantInfo({ id: 'alice', name: 'Alice', tracks: [{ id: 'a-cam', source: 'camera', kind: 'video', muted: false }] });
const MODERATOR = { canPublish: true, canPublishSources: ['microphone', 'camera', 'screen'], canSubscribe: true, canChat: true, moderator: true };
const STARTED = { type: 'recording_started', recordingId: 'RC_1', startedAt: 1_700_000_000_000, startedBy: { participantId: 'alice', name: 'Alice' } };
const OFFER = { type: 'offer', target: 'subscriber', revision: 1, sdp: 'fake mids=0', tracks: [{ mid: '0', trackId: 'a-cam', participantId: 'alice' }] };

/** A server whose `joined` (with `recording`, if given) is followed by `after`, then, with a delay, by the first offer. */
function joiningServer(after: unknown[], offerDelayMs: number | undefined, recording?: unknown) {
  return fakeWebSocketClass((socket) =>
    scriptSocket(socket, {
      join: (message, ws) => {
        const subscriberOfferFollows = offerDelayMs !== undefined;
        ws.receive(joinedMessage(message['id'] as number, { self: SELF, participants: [ALICE], permissions: MODERATOR, subscriberOfferFollows, ...(recording ? { recording } : {}) }));
        // Each its own frame, as on a real socket: a macrotask after `joined`, once the room is set up.
        setTimeout(() => after.forEach((m) => ws.receive(m)), 2);
        if (subscriberOfferFollows) setTimeout(() => ws.receive(OFFER), offerDelayMs);
        return undefined;
      },
    }),
  );
}

/** A moderator joined through the scripted server, with `replies` for its requests. */
async function joinAsModerator(replies: Parameters<typeof scriptedServer>[1] = {}) {
  const { WebSocket, sockets } = scriptedServer(SELF, replies, { permissions: MODERATOR });
  const { RTCPeerConnection } = fakePeerConnectionClass();
  const room = await connect('http://confab.test', 'standup', 'Me', { WebSocket, RTCPeerConnection });
  return { room, socket: sockets[0]! };
}

function describe(recording: Recording | null): unknown {
  return recording && { id: recording.recordingId, at: recording.startedAt.getTime(), by: recording.startedBy?.name ?? null };
}

const { type: _type, ...RUNNING } = STARTED;
for (const [what, offerDelayMs, inJoined] of [
  ['from a recording_started that came while connect() held other messages for the first offer', 20, undefined],
  ['from joined, with no media to wait for; the recording_started that follows is no news', undefined, RUNNING],
] as const) {
  test(`a joiner knows the room is recorded when connect() resolves: ${what}`, async () => {
    const { WebSocket } = joiningServer([STARTED], offerDelayMs, inJoined);
    const { RTCPeerConnection } = fakePeerConnectionClass();
    const room = await connect('http://confab.test', 'standup', 'Me', { WebSocket, RTCPeerConnection });
    assert.deepEqual(describe(room.recording), { id: 'RC_1', at: 1_700_000_000_000, by: 'Alice' });
    const changes: unknown[] = [];
    room.on(RoomEvent.RecordingChanged, (r) => changes.push(describe(r)));
    await tick(30);
    assert.deepEqual(changes, [], 'not announced a second time after connect()');
    await room.leave();
  });
}

test('a recording that started and stopped while connect() held messages leaves none', async () => {
  const { WebSocket } = joiningServer([STARTED, { type: 'recording_stopped', recordingId: 'RC_1', reason: 'stopped', error: null }], 20);
  const { RTCPeerConnection } = fakePeerConnectionClass();
  const room = await connect('http://confab.test', 'standup', 'Me', { WebSocket, RTCPeerConnection });
  assert.equal(room.recording, null);
  await room.leave();
});

test('start and stop are events; a failed stop carries the server’s error; a stop of another recording is ignored', async () => {
  const { room, socket } = await joinAsModerator();
  assert.equal(room.recording, null);
  const events: Array<[unknown, RecordingStop | undefined]> = [];
  room.on(RoomEvent.RecordingChanged, (r, stop) => events.push([describe(r), stop]));
  socket.receive({ ...STARTED, startedBy: null });
  socket.receive({ type: 'recording_stopped', recordingId: 'RC_0', reason: 'stopped', error: null });
  assert.deepEqual(describe(room.recording), { id: 'RC_1', at: 1_700_000_000_000, by: null });
  socket.receive({ type: 'recording_stopped', recordingId: 'RC_1', reason: 'failed', error: 'the disk is full' });
  socket.receive({ ...STARTED, recordingId: 'RC_2' });
  socket.receive({ type: 'recording_stopped', recordingId: 'RC_2', reason: 'stopped', error: null });
  assert.deepEqual(events, [
    [{ id: 'RC_1', at: 1_700_000_000_000, by: null }, undefined],
    [null, { recordingId: 'RC_1', reason: 'failed', error: 'the disk is full' }],
    [{ id: 'RC_2', at: 1_700_000_000_000, by: 'Alice' }, undefined],
    [null, { recordingId: 'RC_2', reason: 'stopped' }],
  ]);
  assert.equal(room.recording, null);
  await room.leave();
});

test('setRecording sends set_recording and resolves on ack', async () => {
  const { room, socket } = await joinAsModerator();
  await room.moderation.setRecording(true);
  await room.moderation.setRecording(false);
  const sent = socket.messages().filter((m) => m['type'] === 'set_recording').map((m) => m['recording']);
  assert.deepEqual(sent, [true, false]);
  await room.leave();
});

for (const [code, message] of [
  ['permission_denied', 'only moderators can record'],
  ['conflict', 'the room is recorded already'],
  ['resource_exhausted', 'this server records 4 rooms already'],
  ['unavailable', 'cannot write /var/lib/confab/recordings: EACCES'],
] as const) {
  test(`setRecording rejects with the server’s ${code}, its message intact`, async () => {
    const refuse = (m: Record<string, unknown>) => ({ type: 'error', id: m['id'], code, message });
    const { room } = await joinAsModerator({ set_recording: refuse });
    await assert.rejects(room.moderation.setRecording(true), (e: unknown) => e instanceof ConfabError && e.code === code && e.reason === message);
    assert.equal(room.recording, null);
    await room.leave();
  });
}

/** The first join says `first` runs (by default a recording, `RC_1`), every later one `after` (what runs now, or nothing); the resume is refused. */
function rejoiningServer(after: unknown, first: unknown = RUNNING) {
  let joins = 0;
  return fakeWebSocketClass((socket) =>
    scriptSocket(socket, {
      resume: (m) => ({ type: 'error', id: m['id'], code: 'not_found', message: 'session expired' }),
      join: (message) => {
        const recording = joins++ === 0 ? first : after;
        return joinedMessage(message['id'] as number, { self: SELF, participants: [], permissions: MODERATOR, ...(recording ? { recording } : {}) });
      },
    }),
  );
}

test('after a full rejoin, joined says whether the recording still runs: one that ended meanwhile is gone, one that runs stays without an event', async () => {
  const first = RUNNING;
  for (const [after, expected] of [
    [undefined, [[null, undefined]]],
    [first, []],
    [{ ...first, recordingId: 'RC_9' }, [[{ id: 'RC_9', at: 1_700_000_000_000, by: 'Alice' }, undefined]]],
  ] as const) {
    const { WebSocket, sockets } = rejoiningServer(after);
    const { RTCPeerConnection } = fakePeerConnectionClass();
    const room = await connect('http://confab.test', 'standup', 'Me', { WebSocket, RTCPeerConnection });
    assert.equal(room.recording?.recordingId, 'RC_1');
    const events: unknown[] = [];
    room.on(RoomEvent.RecordingChanged, (r, stop) => events.push([describe(r), stop]));
    const reconnected = new Promise<boolean>((resolve) => room.on(RoomEvent.Reconnected, resolve));
    sockets[0]!.serverClose(1001, 'server restarting');
    assert.equal(await reconnected, false);
    assert.deepEqual(events, expected);
    await room.leave();
  }
});

/** Joins publishing a camera, with a confirmRecording that records what it was asked and waits for `answer(yes)`. */
async function joinWithCamera(WebSocket: typeof globalThis.WebSocket) {
  const { RTCPeerConnection } = fakePeerConnectionClass();
  const camera = fakeTrack('video');
  let reply: (yes: boolean) => void = () => undefined;
  const asked: unknown[] = [];
  const room = await connect('http://confab.test', 'standup', 'Me', {
    WebSocket,
    RTCPeerConnection,
    publish: { camera },
    confirmRecording: (recording) => {
      asked.push(describe(recording));
      return new Promise((resolve) => (reply = resolve));
    },
  });
  return { room, camera, asked, answer: (yes: boolean) => reply(yes) };
}

for (const agreed of [true, false]) {
  test(`joining a recorded meeting with confirmRecording: nothing is published until it answers; ${agreed ? 'yes publishes' : 'no stops the tracks and publishes nothing'}`, async () => {
    const { WebSocket, sockets } = joiningServer([], undefined, RUNNING);
    const { room, camera, asked, answer } = await joinWithCamera(WebSocket);
    const published = (): unknown[] => sockets[0]!.messages().filter((m) => m['type'] === 'publish');
    await tick(30);
    assert.deepEqual(asked, [{ id: 'RC_1', at: 1_700_000_000_000, by: 'Alice' }]);
    assert.deepEqual(published(), [], 'nothing goes out while the person has not answered');
    answer(agreed);
    for (let i = 0; i < 100 && agreed && published().length === 0; i++) await tick(10);
    await tick(20);
    assert.equal(published().length, agreed ? 1 : 0);
    assert.equal((camera as unknown as FakeMediaStreamTrack).stopped, !agreed, agreed ? 'the camera is live' : 'the camera light goes off');
    await room.leave();
  });
}

test('joining a meeting that is not recorded: confirmRecording is not asked, publishing starts at once', async () => {
  const { WebSocket, sockets } = joiningServer([], undefined);
  const { RTCPeerConnection } = fakePeerConnectionClass();
  let asked = 0;
  const room = await connect('http://confab.test', 'standup', 'Me', {
    WebSocket,
    RTCPeerConnection,
    publish: { camera: fakeTrack('video') },
    confirmRecording: async () => (asked++, false),
  });
  for (let i = 0; i < 100 && sockets[0]!.messages().every((m) => m['type'] !== 'publish'); i++) await tick(10);
  assert.equal(asked, 0);
  assert.equal(sockets[0]!.messages().filter((m) => m['type'] === 'publish').length, 1);
  await room.leave();
});

for (const agreed of [true, false]) {
  test(`a full rejoin into a recording that started while away asks confirmRecording before republishing; ${agreed ? 'yes publishes again' : 'no unpublishes and stops the tracks'}`, async () => {
    const { WebSocket, sockets } = rejoiningServer({ ...RUNNING, recordingId: 'RC_9' }, null);
    const { room, camera, asked, answer } = await joinWithCamera(WebSocket);
    const published = (i: number): unknown[] => sockets[i]?.messages().filter((m) => m['type'] === 'publish') ?? [];
    for (let i = 0; i < 100 && published(0).length === 0; i++) await tick(10);
    assert.deepEqual([asked, published(0).length], [[], 1], 'not recorded at the join: published at once');
    const unpublished: string[] = [];
    room.on(RoomEvent.LocalTrackUnpublished, (track) => unpublished.push(track.source));
    const reconnected = new Promise<boolean>((resolve) => room.on(RoomEvent.Reconnected, resolve));
    sockets[0]!.serverClose(1001, 'server restarting');
    assert.equal(await reconnected, false);
    await tick(30);
    assert.deepEqual(asked, [{ id: 'RC_9', at: 1_700_000_000_000, by: 'Alice' }]);
    assert.deepEqual(published(1), [], 'nothing goes out again while the person has not answered');
    answer(agreed);
    for (let i = 0; i < 100 && agreed && published(1).length === 0; i++) await tick(10);
    await tick(20);
    assert.equal(published(1).length, agreed ? 1 : 0);
    assert.deepEqual(unpublished, agreed ? [] : ['camera']);
    assert.equal((camera as unknown as FakeMediaStreamTrack).stopped, !agreed, agreed ? 'the camera is live' : 'the camera light goes off');
    assert.equal(room.localParticipant.tracks.size, agreed ? 1 : 0);
    await room.leave();
  });
}

test('a full rejoin into the recording the person agreed to at the join does not ask again', async () => {
  const { WebSocket, sockets } = rejoiningServer(RUNNING);
  const { RTCPeerConnection } = fakePeerConnectionClass();
  let asked = 0;
  const room = await connect('http://confab.test', 'standup', 'Me', {
    WebSocket,
    RTCPeerConnection,
    publish: { camera: fakeTrack('video') },
    confirmRecording: async () => (asked++, true),
  });
  const reconnected = new Promise<boolean>((resolve) => room.on(RoomEvent.Reconnected, resolve));
  for (let i = 0; i < 100 && sockets[0]!.messages().every((m) => m['type'] !== 'publish'); i++) await tick(10);
  sockets[0]!.serverClose(1001, 'server restarting');
  await reconnected;
  for (let i = 0; i < 100 && (sockets[1]?.messages() ?? []).every((m) => m['type'] !== 'publish'); i++) await tick(10);
  assert.equal(asked, 1);
  assert.equal(sockets[1]!.messages().filter((m) => m['type'] === 'publish').length, 1);
  await room.leave();
});

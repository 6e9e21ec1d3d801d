/**
 * Simulcast publishing, dynacast, stream state and adaptive stream through a whole Room, against a
 * scripted server and the test fakes; the DOM observers are fakes the test drives.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { connect } from './connect';
import { ConfabError } from './errors';
import { RoomEvent } from './events';
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
  type FakeSenderParameters,
  type FakeWebSocket,
} from './testFakes';

const SELF = participantInfo({ id: 'me', name: 'Me' });
const ALICE = participantInfo({
  id: 'alice',
  name: 'Alice',
  tracks: [
    { id: 'a-cam', source: 'camera', kind: 'video', muted: false },
    { id: 'a-mic', source: 'microphone', kind: 'audio', muted: false },
  ],
});

function server(socket: FakeWebSocket): void {
  scriptSocket(socket, { join: (message) => joinedMessage(message['id'] as number, { self: SELF, participants: [ALICE] }) });
}

async function join(options: Parameters<typeof connect>[3] = {}) {
  const { WebSocket, sockets } = fakeWebSocketClass(server);
  const { RTCPeerConnection, peers } = fakePeerConnectionClass();
  const room = await connect('http://confab.test', 'standup', 'Me', { WebSocket, RTCPeerConnection, ...options });
  return { room, socket: sockets[0]!, sockets, peers };
}

const paramsOf = (sender: unknown) => (sender as { parameters: FakeSenderParameters }).parameters;

test('the camera goes out as q/h/f simulcast, the screen as one detail stream keeping its resolution, the mic plain', async () => {
  const { room, peers } = await join();
  const publisher = peers[0]!;
  await room.localParticipant.publishTrack(fakeTrack('audio'), 'microphone');
  await room.localParticipant.publishTrack(fakeTrack('video'), 'camera');
  const screen = fakeTrack('video');
  await room.localParticipant.publishTrack(screen, 'screen');
  const [mic, camera, share] = publisher.transceivers;
  assert.equal(mic!.init!.sendEncodings, undefined);
  assert.deepEqual(camera!.init!.sendEncodings!.map((e) => [e.rid, e.scaleResolutionDownBy]), [['q', 4], ['h', 2], ['f', 1]]);
  assert.equal(share!.init!.sendEncodings!.length, 1);
  assert.equal((screen as unknown as FakeMediaStreamTrack).contentHint, 'detail');
  assert.equal(paramsOf(share!.sender).degradationPreference, 'maintain-resolution');
  assert.equal(paramsOf(camera!.sender).degradationPreference, undefined);
  await room.leave();
});

test('codec preference is set from the browser capabilities; bad layer options are refused at connect', async () => {
  const saved = (globalThis as { RTCRtpSender?: unknown }).RTCRtpSender;
  (globalThis as { RTCRtpSender?: unknown }).RTCRtpSender = {
    getCapabilities: () => ({ codecs: [{ mimeType: 'video/VP8' }, { mimeType: 'video/H264' }, { mimeType: 'video/rtx' }], headerExtensions: [] }),
  };
  try {
    const { room, peers } = await join({ publishDefaults: { videoCodec: 'h264' } });
    await room.localParticipant.publishTrack(fakeTrack('video'), 'camera');
    assert.deepEqual(peers[0]!.transceivers[0]!.codecPreferences!.map((c) => c.mimeType), ['video/H264', 'video/VP8', 'video/rtx']);
    await room.leave();
  } finally {
    (globalThis as { RTCRtpSender?: unknown }).RTCRtpSender = saved;
  }
  await assert.rejects(
    join({ publishDefaults: { cameraLayers: [] } }),
    (e: unknown) => e instanceof ConfabError && e.code === 'invalid_argument' && /publishDefaults/.test(e.message),
  );
});

test('subscribed_layers turns encodings of the camera on and off, also when it arrives mid-publish', async () => {
  const { room, socket, peers } = await join();
  // The server's word arrives while the publish is still being negotiated.
  const publishing = room.localParticipant.publishTrack(fakeTrack('video'), 'camera');
  socket.receive({ type: 'subscribed_layers', source: 'camera', layers: [{ rid: 'q', active: true }, { rid: 'h', active: false }, { rid: 'f', active: false }] });
  await publishing;
  await tick(10);
  const parameters = paramsOf(peers[0]!.transceivers[0]!.sender);
  assert.deepEqual(parameters.encodings.map((e) => e.active), [true, false, false]);
  socket.receive({ type: 'subscribed_layers', source: 'camera', layers: [{ rid: 'q', active: true }, { rid: 'h', active: true }, { rid: 'f', active: true }] });
  await tick(10);
  assert.deepEqual(parameters.encodings.map((e) => e.active), [true, true, true]);
  await room.leave();
});

test('stream_state pauses and resumes a remote video with an event and a property', async () => {
  const { room, socket } = await join();
  const events: string[] = [];
  room.on(RoomEvent.TrackStreamStateChanged, (track, participant, state) => events.push(`${participant.id}/${track.id}:${state}:${track.streamPauseReason ?? '-'}`));
  socket.receive({ type: 'offer', target: 'subscriber', revision: 1, sdp: 'fake mids=0', tracks: [{ mid: '0', trackId: 'a-cam', participantId: 'alice' }] });
  await tick(5);
  const camera = room.participants.get('alice')!.tracks.get('camera')!;
  assert.equal(camera.streamState, 'active');
  socket.receive({ type: 'stream_state', trackId: 'a-cam', state: 'paused', reason: 'bandwidth' });
  assert.equal(camera.streamState, 'paused');
  socket.receive({ type: 'stream_state', trackId: 'a-cam', state: 'paused', reason: 'bandwidth' });
  socket.receive({ type: 'stream_state', trackId: 'a-cam', state: 'active' });
  socket.receive({ type: 'stream_state', trackId: 'nobody', state: 'paused' });
  assert.equal(camera.streamState, 'active');
  assert.deepEqual(events, ['alice/a-cam:paused:bandwidth', 'alice/a-cam:active:-']);
  await room.leave();
});

// ---- adaptive stream, with the page's observers faked ----

type Callback = (entries: unknown[]) => void;
class FakeObserver {
  static resize: FakeObserver[] = [];
  static intersection: FakeObserver[] = [];
  readonly targets = new Set<object>();
  constructor(readonly callback: Callback) {}
  observe(target: object): void {
    this.targets.add(target);
  }
  unobserve(target: object): void {
    this.targets.delete(target);
  }
  disconnect(): void {
    this.targets.clear();
  }
}
const page = { visibilityState: 'visible', listeners: [] as (() => void)[] };
const globals = globalThis as Record<string, unknown>;

before(() => {
  globals['ResizeObserver'] = class extends FakeObserver {
    constructor(cb: Callback) {
      super(cb);
      FakeObserver.resize.push(this);
    }
  };
  globals['IntersectionObserver'] = class extends FakeObserver {
    constructor(cb: Callback) {
      super(cb);
      FakeObserver.intersection.push(this);
    }
  };
  globals['document'] = {
    get visibilityState() {
      return page.visibilityState;
    },
    addEventListener: (_: string, fn: () => void) => page.listeners.push(fn),
    removeEventListener: (_: string, fn: () => void) => page.listeners.splice(page.listeners.indexOf(fn), 1),
  };
});
after(() => {
  delete globals['ResizeObserver'];
  delete globals['IntersectionObserver'];
  delete globals['document'];
});

/** What the page would report for `element`: its CSS size and whether it intersects the viewport. */
function render(element: object, width: number, height: number, inViewport: boolean): void {
  const resize = FakeObserver.resize.at(-1)!;
  const intersection = FakeObserver.intersection.at(-1)!;
  if (resize.targets.has(element)) resize.callback([{ target: element, contentRect: { width, height } }]);
  if (intersection.targets.has(element)) intersection.callback([{ target: element, isIntersecting: inViewport }]);
}

const trackSettings = (socket: FakeWebSocket) => socket.messages().filter((m) => m['type'] === 'track_settings');

test('attached video elements produce track_settings: sizes debounced, visibility at once, detach hides', async () => {
  const { room, socket } = await join({ adaptiveStream: { debounceMs: 50 } });
  const camera = room.participants.get('alice')!.tracks.get('camera')!;
  const mic = room.participants.get('alice')!.tracks.get('microphone')!;
  const video = {} as HTMLVideoElement;
  const audio = {} as HTMLAudioElement;
  camera.attach(video);
  mic.attach(audio);
  assert.ok(FakeObserver.resize.at(-1)!.targets.has(video));
  assert.equal(FakeObserver.resize.at(-1)!.targets.has(audio), false, 'audio has no size to adapt to');
  render(video, 640, 360, true);
  assert.deepEqual(trackSettings(socket), [{ type: 'track_settings', trackId: 'a-cam', visible: true, width: 640, height: 360 }]);

  render(video, 200, 112.4, true);
  render(video, 160, 90, true);
  assert.equal(trackSettings(socket).length, 1, 'sizes wait for the debounce');
  await tick(80);
  assert.deepEqual(trackSettings(socket).at(-1), { type: 'track_settings', trackId: 'a-cam', visible: true, width: 160, height: 90 });

  render(video, 160, 90, false); // scrolled out of view
  assert.equal(trackSettings(socket).at(-1)!['visible'], false);
  render(video, 160, 90, true);
  assert.equal(trackSettings(socket).at(-1)!['visible'], true);

  page.visibilityState = 'hidden';
  for (const fn of page.listeners) fn();
  assert.equal(trackSettings(socket).at(-1)!['visible'], false, 'a hidden page hides everything');
  page.visibilityState = 'visible';
  for (const fn of page.listeners) fn();
  assert.equal(trackSettings(socket).at(-1)!['visible'], true);

  assert.deepEqual(camera.detach(), [video]);
  assert.deepEqual(trackSettings(socket).at(-1), { type: 'track_settings', trackId: 'a-cam', visible: false, width: 0, height: 0 });
  assert.equal(FakeObserver.resize.at(-1)!.targets.has(video), false);
  await room.leave();
});

test('after a reconnect the current settings are sent again; an unpublished track sends nothing more', async () => {
  const { room, sockets } = await join();
  const camera = room.participants.get('alice')!.tracks.get('camera')!;
  const video = {} as HTMLVideoElement;
  camera.attach(video);
  render(video, 320, 180, true);
  assert.equal(trackSettings(sockets[0]!).length, 1);
  const reconnected = new Promise((resolve) => room.once(RoomEvent.Reconnected, resolve));
  sockets[0]!.serverClose(1006, '');
  await reconnected;
  assert.deepEqual(trackSettings(sockets[1]!), [{ type: 'track_settings', trackId: 'a-cam', visible: true, width: 320, height: 180 }]);

  sockets[1]!.receive({ type: 'track_unpublished', participantId: 'alice', trackId: 'a-cam' });
  render(video, 640, 360, false);
  await tick(300);
  assert.equal(trackSettings(sockets[1]!).length, 1);
  await room.leave();
});

test('adaptiveStream: false sends no track_settings', async () => {
  const { room, socket } = await join({ adaptiveStream: false });
  const video = {} as HTMLVideoElement;
  room.participants.get('alice')!.tracks.get('camera')!.attach(video);
  render(video, 320, 180, true);
  assert.equal(trackSettings(socket).length, 0);
  await room.leave();
});

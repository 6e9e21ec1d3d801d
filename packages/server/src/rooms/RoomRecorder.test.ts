import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { promisify } from 'node:util';
import { ProtocolError, type ParticipantId, type RoomName, type ServerMessage, type TrackId, type WebhookEvent } from '@confab/protocol';
import { MediaError } from '../media/errors';
import type { Producer, RecordOptions, TrackRecording, TrackRecordingResult } from '../media/types';
import { CompositeQueue } from '../recording/composite/CompositeQueue';
import { readManifest } from '../recording/manifest';
import { NodeRecordings } from '../recording/NodeRecordings';
import type { Participant } from './Participant';
import { RoomRecorder } from './RoomRecorder';
import { SerialQueue } from './SerialQueue';

// The room's side of recording, against a fake media plane whose producers hand out recordings
// that the test fails at will (a disk that fills up) and a real folder for the manifest.

const roots: string[] = [];
after(() => Promise.all(roots.map((dir) => rm(dir, { recursive: true, force: true }))));

const run = promisify(execFile);

/** What a fake track's file holds when it stops: nothing on disk, a real Opus file as long as the track ran, or bytes no decoder reads. */
type FileContent = 'none' | 'opus' | 'garbage';

/** A producer whose record() waits, as the real one, for its publisher's offer (offer()) unless `offered`. */
class FakeProducer {
  closed = false;
  options: RecordOptions | undefined;
  stops = 0;
  private readonly offers = new EventTarget();
  constructor(
    private offered = true,
    private readonly content: FileContent = 'none',
  ) {}

  offer(): void {
    this.offered = true;
    this.offers.dispatchEvent(new Event('offer'));
  }

  async record(options: RecordOptions): Promise<TrackRecording> {
    if (!this.offered) {
      await new Promise<void>((resolve, reject) => {
        this.offers.addEventListener('offer', () => resolve(), { once: true });
        options.signal?.addEventListener('abort', () => reject(MediaError.conflict('the recording stopped before the track was offered')), { once: true });
      });
    }
    this.options = options;
    const file = `${options.pathWithoutExtension}.webm`;
    const startMs = Date.now();
    return {
      file,
      stop: async (): Promise<TrackRecordingResult> => {
        this.stops++;
        const frames = 50;
        const seconds = String((Date.now() - startMs) / 1000);
        if (this.content === 'opus') await run('ffmpeg', ['-v', 'error', '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000', '-t', seconds, '-c:a', 'libopus', '-y', file]);
        if (this.content === 'garbage') await writeFile(file, Buffer.alloc(4000, 0x42));
        return { file, codec: 'opus', startMs, endMs: Date.now(), frames, bytes: 5000, framesDropped: 0, packetsLost: 0, keyFrameRequests: 0, error: null };
      },
    };
  }
}

async function setup(maxRunning = 4, composites: CompositeQueue | null = null) {
  const root = await mkdtemp(join(tmpdir(), 'confab-recorder-'));
  roots.push(root);
  const recordings = new NodeRecordings(root, maxRunning, 'node-test', composites);
  const queue = new SerialQueue();
  const sent: ServerMessage[] = [];
  const events: Pick<WebhookEvent, 'event' | 'recording'>[] = [];
  const members: Participant[] = [];
  const host = {
    name: 'standup' as RoomName,
    isClosed: false,
    enqueue: <T>(task: () => T | Promise<T>) => queue.run(task),
    broadcast: (message: ServerMessage) => void sent.push(message),
    members: () => members.values(),
    emit: (fields: Pick<WebhookEvent, 'event' | 'recording'>) => void events.push(fields),
    logger: { info() {}, warn() {} },
  };
  const recorder = new RoomRecorder(host, recordings);
  /** A member publishing a microphone from `producer`. */
  const member = (name: string, producer: FakeProducer): Participant => {
    const own: ServerMessage[] = [];
    const p = {
      id: `PA_${name}` as ParticipantId,
      name,
      profile: { hidden: false },
      session: { send: (m: ServerMessage) => void own.push(m) },
      own,
      tracks: new Map([['microphone', { info: { id: `TR_${name}` as TrackId, kind: 'audio', source: 'microphone', muted: false }, producer: producer as unknown as Producer }]]),
    } as unknown as Participant;
    members.push(p);
    return p;
  };
  const onQueue = <T>(task: () => T) => queue.run(task);
  return { root, recordings, recorder, sent, events, member, onQueue };
}

async function until(check: () => boolean | Promise<boolean>, what: string, withinMs = 5000): Promise<void> {
  for (const deadline = Date.now() + withinMs; !(await check()); ) {
    if (Date.now() > deadline) assert.fail(`${what}: not true after ${withinMs / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

test('a write error fails the whole recording: everyone told why, files finalized, recording_failed with the files, the slot given back', async () => {
  const { recordings, recorder, sent, events, member, root } = await setup();
  const producer = new FakeProducer();
  member('alice', producer);
  const status = await recorder.start(null);
  assert.equal(recordings.runningCount, 1);
  assert.deepEqual(sent.map((m) => m.type), ['recording_started']);
  assert.deepEqual(events.map((e) => e.event), ['recording_started']);
  await until(() => producer.options !== undefined, 'the microphone is recorded');

  producer.options!.onError!('ENOSPC: no space left on device, write');
  await until(() => events.some((e) => e.event === 'recording_failed'), 'recording_failed');
  const stopped = sent.at(-1);
  assert.ok(stopped?.type === 'recording_stopped');
  assert.equal(stopped.reason, 'failed');
  assert.match(stopped.error ?? '', /microphone of alice: ENOSPC/);
  const failed = events.at(-1)!.recording!;
  assert.match(failed.error ?? '', /ENOSPC/);
  assert.deepEqual(failed.files?.map((f) => [f.source, f.path, f.durationMs !== null]), [['microphone', join(root, status.id, 'PA_alice-microphone.webm'), true]]);
  assert.equal(producer.stops, 1);
  const manifest = await readManifest(join(root, status.id));
  assert.deepEqual([manifest.state, manifest.tracks.length, manifest.tracks[0]?.frames], ['failed', 1, 50]);
  assert.equal(recordings.runningCount, 0);
  assert.equal(recorder.active, false);
});

test('a track whose publisher offer is still to come is recorded from the offer on; a joiner hears of the recording first', async () => {
  const { recorder, member, onQueue, root } = await setup();
  const early = new FakeProducer(false);
  const alice = member('alice', early);
  const status = await recorder.start(alice);
  await new Promise((resolve) => setTimeout(resolve, 20));
  assert.equal(early.options, undefined, 'waiting for the offer');
  early.offer();
  await until(() => early.options !== undefined, 'recorded once the offer came');

  const bob = member('bob', new FakeProducer());
  await onQueue(() => recorder.joined(bob));
  const own = (bob as unknown as { own: ServerMessage[] }).own;
  assert.ok(own[0]?.type === 'recording_started');
  assert.deepEqual(own[0].startedBy, { participantId: alice.id, name: 'alice' });
  // The same state goes into a joiner's `joined`, so clients know it before anything else.
  const { type: _type, ...running } = own[0];
  assert.deepEqual(recorder.current, running);
  assert.equal(running.recordingId, status.id);

  const { done } = await onQueue(() => recorder.stop());
  const outcome = await done;
  assert.equal(outcome.error, null);
  assert.equal(recorder.current, undefined, 'joiners are no longer told');
  const manifest = await readManifest(join(root, status.id));
  assert.deepEqual(manifest.participants.map((p) => p.name), ['alice', 'bob']);
  assert.equal(manifest.state, 'stopped');
});

test('a track whose offer never comes does not hold up the stop, and is not in the manifest', async () => {
  const { recorder, member, onQueue, root } = await setup();
  const silent = new FakeProducer(false);
  const status = await recorder.start(member('alice', silent));
  const { done } = await onQueue(() => recorder.stop());
  const outcome = await done;
  assert.deepEqual([outcome.error, outcome.files], [null, []]);
  assert.equal(silent.options, undefined);
  const manifest = await readManifest(join(root, status.id));
  assert.deepEqual([manifest.state, manifest.tracks], ['stopped', []]);
});

test('one recording per room, CONFAB_MAX_RECORDINGS per node, and stopping nothing is not_found', async () => {
  const { recorder, recordings, onQueue } = await setup(1);
  await recorder.start(null);
  await assert.rejects(recorder.start(null), (err) => err instanceof ProtocolError && err.code === 'conflict');
  const other = new RoomRecorder(
    { name: 'other' as RoomName, isClosed: false, enqueue: (task) => new SerialQueue().run(task), broadcast() {}, members: () => [].values(), emit() {}, logger: { info() {}, warn() {} } },
    recordings,
  );
  await assert.rejects(other.start(null), (err) => err instanceof ProtocolError && err.code === 'resource_exhausted');
  await (await onQueue(() => recorder.stop())).done;
  assert.throws(() => recorder.stop(), (err) => err instanceof ProtocolError && err.code === 'not_found');
  await other.start(null);
});

const quiet = { info() {}, warn() {} };

test('recording_finished waits for the composite and names it beside the track files; the list shows it done', async () => {
  const { recordings, recorder, events, member, onQueue, root } = await setup(4, new CompositeQueue('node-test', { tools: { ffmpeg: 'ffmpeg', ffprobe: 'ffprobe' } }, quiet));
  const producer = new FakeProducer(true, 'opus');
  member('alice', producer);
  const status = await recorder.start(null);
  await until(() => producer.options !== undefined, 'the microphone is recorded');
  await new Promise((resolve) => setTimeout(resolve, 1500));
  await (await onQueue(() => recorder.stop())).done;
  assert.deepEqual(events.map((e) => e.event), ['recording_started'], 'not finished before the composite is made');
  await until(() => events.length === 2, 'recording_finished', 60_000);
  const finished = events[1]!;
  assert.equal(finished.event, 'recording_finished');
  const composite = finished.recording!.composite!;
  assert.equal(composite.path, join(root, status.id, 'composite.mp4'));
  const manifest = await readManifest(join(root, status.id));
  assert.equal(composite.durationMs, Date.parse(manifest.stoppedAt!) - manifest.startedAtMs, 'as long as the meeting');
  assert.ok(composite.durationMs >= 1500);
  assert.equal(composite.bytes, (await stat(composite.path)).size);
  assert.deepEqual(finished.recording!.files?.map((f) => f.source), ['microphone']);
  const [listed] = await recordings.list();
  assert.deepEqual([listed?.composite?.state, listed?.composite?.file, listed?.composite?.progress], ['done', 'composite.mp4', 1]);
  assert.equal(await recordings.filePath(status.id, 'composite.mp4'), composite.path);
});

test('a composite that fails (a track no decoder reads, ffmpeg missing) fires recording_failed with the reason and the files', async () => {
  for (const [content, ffmpeg, reason] of [
    ['garbage', 'ffmpeg', /the composite could not be made: ffmpeg exited with code \d+: .*Invalid data/],
    ['opus', '/nonexistent/ffmpeg', /the composite could not be made: \/nonexistent\/ffmpeg not found/],
  ] as const) {
    const { recordings, recorder, events, member, onQueue } = await setup(4, new CompositeQueue('node-test', { tools: { ffmpeg, ffprobe: 'ffprobe' } }, quiet));
    const producer = new FakeProducer(true, content);
    member('alice', producer);
    const status = await recorder.start(null);
    await until(() => producer.options !== undefined, 'the microphone is recorded');
    await (await onQueue(() => recorder.stop())).done;
    await until(() => events.length === 2, 'recording_failed', 60_000);
    const failed = events[1]!;
    assert.equal(failed.event, 'recording_failed');
    assert.match(failed.recording!.error ?? '', reason);
    assert.equal(failed.recording!.files?.length, 1);
    assert.equal(failed.recording!.composite, undefined);
    const [listed] = await recordings.list();
    assert.equal(listed?.state, 'stopped', 'the recording itself is whole');
    assert.equal(listed?.composite?.state, 'failed');
    await assert.rejects(recordings.filePath(status.id, 'composite.mp4'), (err) => err instanceof ProtocolError && err.code === 'not_found');
  }
});

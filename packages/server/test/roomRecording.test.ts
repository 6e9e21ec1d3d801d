/**
 * A room's recording end to end: the real server (its own process), headless participants sending
 * synthetic media, files on disk read back with ffprobe. Control over signaling (moderators
 * only), consent (joiners told before any media), tracks published late, the admin API (start,
 * stop, list, ranged download, the limit) and a folder that cannot be written.
 */
import assert from 'node:assert/strict';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { HeadlessParticipant, ServerProcess, sleep, waitUntil, withTimeout } from '@confab/loadtest';
import { AdminClient } from '@confab/server-sdk';
import { probe } from '../src/media/recording/testing/probe';
import { readManifest } from '../src/recording/manifest';
import { TEST_KEY, TEST_SECRET, TOKEN_MODE_ENV, token } from './support/accessCases';
import { adminToken } from './support/adminApiCases';
import { WebhookReceiver } from './support/webhookReceiver';

const T = 30_000;

async function tempDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'confab-room-recording-'));
}

/**
 * After the test, stops the server, then removes the folder it records into. One hook, in that
 * order: a test's hooks run in the order they were added, and a server still finishing a
 * recording writes files into a folder being removed (ENOTEMPTY).
 */
function stopThenRemove(t: { after(fn: () => Promise<void>): void }, server: ServerProcess, dir: string): void {
  t.after(async () => {
    await server.stop();
    await rm(dir, { recursive: true, force: true });
  });
}

async function closeAll(participants: HeadlessParticipant[]): Promise<void> {
  await Promise.allSettled(participants.map((p) => withTimeout(p.close(), 5_000, 'close')));
}

/** The refusal code of a request that must fail. */
async function refusal(call: Promise<unknown>): Promise<string> {
  const error = await call.then(
    () => assert.fail('the request went through'),
    (err: unknown) => err as { code?: string; message: string },
  );
  return error.code ?? error.message;
}

test('a moderator records a call: others may not, a late joiner hears of it before any media, a late camera starts where it began, every file reads', async (t) => {
  const dir = await tempDir();
  const server = await ServerProcess.start({ env: { CONFAB_RECORDINGS_DIR: dir } });
  stopThenRemove(t, server, dir);
  const url = server.rtcUrl;
  const alice = new HeadlessParticipant({ url, room: 'recorded', name: 'Alice' });
  const bob = new HeadlessParticipant({ url, room: 'recorded', name: 'Bob' });
  const carol = new HeadlessParticipant({ url, room: 'recorded', name: 'Carol' });
  t.after(() => closeAll([alice, bob, carol]));

  await alice.join(); // open mode: the first one in hosts the meeting
  await alice.publishMicrophone();
  await alice.publishCamera();
  await bob.join();
  await waitUntil(() => bob.receivedPackets().length === 2 && bob.receivedPackets().every((n) => n > 0), T, 'Bob receives Alice');

  assert.equal(await refusal(bob.setRecording(true)), 'permission_denied');
  assert.equal(bob.recordingNotices.length, 0);

  const startedAt = Date.now();
  await alice.setRecording(true);
  await waitUntil(() => bob.recordingNotices.length === 1, T, 'Bob told');
  const started = bob.recordingNotices[0];
  assert.ok(started?.type === 'recording_started');
  assert.deepEqual(started.startedBy, { participantId: alice.id, name: 'Alice' });
  assert.equal(await refusal(alice.setRecording(true)), 'conflict');
  await sleep(2000);

  // Consent: the joiner's first message after `joined` says the meeting is recorded, before any offer.
  await carol.join();
  await waitUntil(() => carol.recordingNotices.length === 1, T, 'Carol told');
  assert.equal(carol.arrivals[0], 'recording_started', `Carol's messages after joined: ${carol.arrivals.slice(0, 5).join(', ')}`);
  assert.ok(carol.arrivals.indexOf('recording_started') < carol.arrivals.indexOf('offer') || !carol.arrivals.includes('offer'));
  await sleep(500);
  const carolCameraAt = Date.now();
  await carol.publishCamera();
  await sleep(3000);
  // Each file's start is in the manifest as soon as it has a frame: a crash now would leave it there.
  const live = await readManifest(join(dir, started.recordingId));
  assert.equal(live.state, 'recording');
  assert.deepEqual(live.tracks.map((tr) => tr.startMs !== null), [true, true, true], JSON.stringify(live.tracks));

  const stoppedAt = Date.now();
  await alice.setRecording(false);
  for (const p of [alice, bob, carol]) await waitUntil(() => p.recordingNotices.some((n) => n.type === 'recording_stopped'), T, `${p.name} told it stopped`);
  const stopped = carol.recordingNotices.at(-1);
  assert.deepEqual(stopped?.type === 'recording_stopped' && [stopped.reason, stopped.error], ['stopped', null]);

  // The manifest is final once the files are: wait for it to say so.
  const recordingDir = join(dir, started.recordingId);
  let manifest = await readManifest(recordingDir);
  for (const deadline = Date.now() + T; manifest.state !== 'stopped' && Date.now() < deadline; manifest = await readManifest(recordingDir)) await sleep(100);
  assert.equal(manifest.state, 'stopped');
  assert.deepEqual(
    manifest.tracks.map((tr) => `${tr.participantName} ${tr.source} ${tr.codec}`).sort(),
    ['Alice camera vp8', 'Alice microphone opus', 'Carol camera vp8'],
  );
  assert.deepEqual(manifest.participants.map((p) => p.name).sort(), ['Alice', 'Bob', 'Carol']);
  for (const track of manifest.tracks) {
    // The headless participants send VP8- and Opus-shaped noise, so only the container is checked
    // here (ffprobe reads every packet); decoding real media is recordingSink.test's and recordingFiles.test's.
    const info = await probe(join(recordingDir, track.file));
    assert.ok(info.packetTimes.length >= track.frames * 0.9, `${track.file}: ${info.packetTimes.length} packets, ${track.frames} frames`);
    assert.ok(track.startMs !== null && track.endMs !== null && track.frames > 0, `${track.file} written`);
    // The file's length is what the manifest says (ffprobe's duration against end - start).
    assert.ok(Math.abs(info.durationSeconds * 1000 - (track.endMs - track.startMs)) < 500, `${track.file}: ${info.durationSeconds} s against ${track.endMs - track.startMs} ms`);
  }
  const carolCamera = manifest.tracks.find((tr) => tr.participantName === 'Carol')!;
  const aliceCamera = manifest.tracks.find((tr) => tr.participantName === 'Alice' && tr.source === 'camera')!;
  // Her camera begins on the recording's clock about when she published it (negotiation included).
  assert.ok(Math.abs(carolCamera.startMs! - (carolCameraAt - manifest.startedAtMs)) < 1000, `Carol's camera at ${carolCamera.startMs} ms, published at ${carolCameraAt - manifest.startedAtMs} ms`);
  assert.ok(Math.abs(manifest.startedAtMs - startedAt) < 1000);
  // Alice's camera runs through to the stop (a key frame was asked for: the recording began mid-stream).
  assert.ok(aliceCamera.endMs! > stoppedAt - manifest.startedAtMs - 1500, `Alice's camera ends at ${aliceCamera.endMs} ms`);
  assert.deepEqual([...alice.errors, ...bob.errors, ...carol.errors], []);
});

test('the admin API records a room: start, conflict, the node limit, list with files, a ranged download, stop, webhooks; tokens without the grant are refused', async (t) => {
  const dir = await tempDir();
  const receiver = await WebhookReceiver.listen(TEST_KEY, TEST_SECRET);
  t.after(() => receiver.close());
  const server = await ServerProcess.start({ env: { ...TOKEN_MODE_ENV, CONFAB_RECORDINGS_DIR: dir, CONFAB_MAX_RECORDINGS: '1', CONFAB_WEBHOOK_URLS: receiver.url } });
  stopThenRemove(t, server, dir);
  const url = server.rtcUrl;
  const ada = new HeadlessParticipant({ url, room: 'api-recorded', name: 'Ada', accessToken: await token('api-recorded', 'ada') });
  const ben = new HeadlessParticipant({ url, room: 'other', name: 'Ben', accessToken: await token('other', 'ben') });
  t.after(() => closeAll([ada, ben]));
  await ada.join();
  await ada.publishMicrophone();
  await ben.join();

  const admin = new AdminClient(server.httpBase, () => adminToken({ roomRecord: true }));
  const plain = new AdminClient(server.httpBase, () => adminToken({ roomList: true, roomCreate: true }));
  await assert.rejects(plain.startRecording('api-recorded'), { status: 403, code: 'permission_denied' });
  await assert.rejects(plain.listRecordings(), { status: 403 });

  const started = await admin.startRecording('api-recorded');
  assert.equal(started.dir, join(dir, started.id));
  await waitUntil(() => ada.recordingNotices.length === 1, T, 'Ada told');
  assert.deepEqual(ada.recordingNotices[0]?.type === 'recording_started' && ada.recordingNotices[0].startedBy, null);
  await assert.rejects(admin.startRecording('api-recorded'), { status: 409, code: 'conflict' });
  await assert.rejects(admin.startRecording('other'), { status: 429, code: 'resource_exhausted' });
  await assert.rejects(admin.startRecording('nowhere'), { status: 404 });
  await sleep(2000);

  const [running] = await admin.listRecordings();
  assert.deepEqual([running?.id, running?.state, running?.room], [started.id, 'recording', 'api-recorded']);

  const stopped = await admin.stopRecording('api-recorded');
  assert.ok(stopped.stoppedAt !== undefined && stopped.error === null);
  await assert.rejects(admin.stopRecording('api-recorded'), { status: 404 });

  const [done] = await admin.listRecordings();
  assert.equal(done?.state, 'stopped');
  const file = done.files[0]!;
  assert.deepEqual([done.files.length, file.source, file.codec], [1, 'microphone', 'opus']);
  assert.ok(file.bytes > 1000 && file.endMs !== null && file.endMs - file.startMs! > 1000, JSON.stringify(file));

  const onDisk = await readFile(join(started.dir, file.name));
  assert.equal(onDisk.length, file.bytes);
  const whole = await admin.downloadRecordingFile(done.id, file.name);
  assert.deepEqual([whole.status, whole.headers.get('content-type'), whole.headers.get('accept-ranges')], [200, 'video/webm', 'bytes']);
  assert.ok(Buffer.from(await whole.arrayBuffer()).equals(onDisk));
  const part = await admin.downloadRecordingFile(done.id, file.name, { start: 100, end: 199 });
  assert.deepEqual([part.status, part.headers.get('content-range')], [206, `bytes 100-199/${file.bytes}`]);
  assert.ok(Buffer.from(await part.arrayBuffer()).equals(onDisk.subarray(100, 200)));
  await assert.rejects(admin.downloadRecordingFile(done.id, file.name, { start: file.bytes + 10 }), { status: 416 });
  // Only what the manifest lists: not the manifest itself, nothing outside the folder.
  await assert.rejects(admin.downloadRecordingFile(done.id, 'manifest.json'), { status: 404 });
  await assert.rejects(admin.downloadRecordingFile(done.id, '.manifest.json'), { status: 400 });

  // The composite is made after the stop; the list shows its job, then its file, which downloads like the tracks.
  let composite = done.composite;
  assert.ok(composite !== null && ['queued', 'running', 'done'].includes(composite.state), JSON.stringify(composite));
  for (const until = Date.now() + 60_000; composite?.state !== 'done' && Date.now() < until; await sleep(200)) {
    composite = (await admin.listRecordings()).find((r) => r.id === started.id)?.composite ?? null;
  }
  assert.deepEqual([composite?.state, composite?.file, composite?.progress, composite?.error], ['done', 'composite.mp4', 1, null]);
  assert.ok(Math.abs(composite!.durationMs! - (Date.parse(done.stoppedAt!) - Date.parse(done.startedAt))) < 500);
  const mp4 = await admin.downloadRecordingFile(done.id, 'composite.mp4', { start: 0, end: 7 });
  assert.deepEqual([mp4.status, mp4.headers.get('content-type'), mp4.headers.get('content-range')], [206, 'video/mp4', `bytes 0-7/${composite!.bytes}`]);
  assert.equal(Buffer.from(await mp4.arrayBuffer()).subarray(4, 8).toString('latin1'), 'ftyp');

  // Webhooks: started, then finished (once the composite is ready) with each file's path and duration, and the composite's.
  await waitUntil(() => receiver.accepted().some((e) => e.event === 'recording_finished' && e.recording?.id === started.id), T, 'recording_finished delivered');
  const hooks = receiver.accepted().filter((e) => e.recording?.id === started.id);
  assert.deepEqual(hooks.map((e) => e.event), ['recording_started', 'recording_finished']);
  const finished = hooks[1]!.recording!;
  assert.deepEqual(finished.files?.map((f) => [f.source, f.path, f.error]), [['microphone', join(started.dir, file.name), null]]);
  assert.equal(finished.files?.[0]?.durationMs, Math.round(file.endMs - file.startMs!));
  assert.equal(finished.stoppedAt, stopped.stoppedAt);
  assert.deepEqual(finished.composite, { path: join(started.dir, 'composite.mp4'), durationMs: composite!.durationMs, bytes: composite!.bytes });

  // The slot is free again.
  await admin.startRecording('other');
  await admin.stopRecording('other');
  assert.deepEqual([...ada.errors, ...ben.errors], []);
});

test('a folder that cannot be written: the start is refused with the reason, nobody is told of a recording, the call goes on', async (t) => {
  const dir = await tempDir();
  const blocked = join(dir, 'not-a-folder');
  await writeFile(blocked, 'a file where the recordings folder should be');
  await chmod(blocked, 0o400);
  const server = await ServerProcess.start({ env: { CONFAB_RECORDINGS_DIR: blocked } });
  stopThenRemove(t, server, dir);
  const alice = new HeadlessParticipant({ url: server.rtcUrl, room: 'blocked', name: 'Alice' });
  const bob = new HeadlessParticipant({ url: server.rtcUrl, room: 'blocked', name: 'Bob' });
  t.after(() => closeAll([alice, bob]));
  await alice.join();
  await alice.publishMicrophone();
  await bob.join();
  const error = await alice.setRecording(true).then(
    () => assert.fail('recording started'),
    (err: unknown) => err as { code: string; message: string },
  );
  assert.equal(error.code, 'unavailable');
  assert.match(error.message, /not-a-folder/);
  assert.match(error.message, /ENOTDIR|EEXIST/);
  const before = bob.receivedPackets()[0] ?? 0;
  await waitUntil(() => (bob.receivedPackets()[0] ?? 0) > before + 20, T, 'Bob still hears Alice');
  assert.deepEqual([alice.recordingNotices, bob.recordingNotices], [[], []]);
});

/**
 * Recording a meeting, as people do it and as the files come out (issue 13), in one Chromium whose
 * fake camera and microphone are a clapper (a flash and a beep at the same instants, looping):
 * - a 3-person call recorded for 20 s from the moderator's switch: a guest may not start one, everyone
 *   sees the indicator, a late joiner is told before her camera and microphone go out (and one who
 *   chooses Leave sends nothing), a screen share comes and goes; every file reads and decodes cleanly, lasts as long as its track really
 *   ran, starts in the manifest when its track really began, and its flashes and beeps line up, as
 *   each person's do in the composite made after the stop;
 * - a full disk (a 4 MB tmpfs as the recordings folder): the recording stops cleanly, the
 *   moderator reads why, a webhook fires, the call goes on.
 * Loss and a killed server are recordingImpaired.test.ts (their own network namespaces).
 */
import assert from 'node:assert/strict';
import { cp, mkdir, mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { ServerProcess } from '@confab/loadtest';
import { DEFAULT_ENCODING } from '../packages/server/src/recording/composite/compositeCommand';
import { COMPOSITE_FILE, readCompositeStatus } from '../packages/server/src/recording/composite/compositeStatus';
import { COMPOSITE_SIZE, planFromFiles } from '../packages/server/src/recording/composite/makeComposite';
import { readManifest, type RecordedTrack, type RecordingManifest } from '../packages/server/src/recording/manifest';
import { beepOnsets, flashOnsets, median } from './support/avSync';
import { againstCapture, capturedClaps, startCapturingClaps, type CapturedClaps } from './support/capturedClaps';
import { beepsStartedBy, MIX_BEEP_GAP_SECONDS, tileFlashesMs } from './support/compositeSync';
import { launchBrowser, openParticipant, RESULTS_DIR, screenshot, uniqueRoom, waitForBodyState, type OpenOptions, type Participant } from './support/browser';
import { clapperMedia } from './support/impair/index';
import { launchAtLowPriority } from './support/lowPriority';
import { MEETING_CONTROLS } from './support/moderationUi';
import { expectTilePlaying, listedPeople, tileNames } from './support/observe';
import { checkFile, finalManifest, flipRecordSwitch, MEDIA_TIMELINE, mediaTimeline, toastCovering, toastText, waitIndicator, type MediaTimeline } from './support/recording';
import { TEST_KEY, TEST_SECRET, TOKEN_MODE_ENV, token } from '../packages/server/test/support/accessCases';
import { WebhookReceiver } from '../packages/server/test/support/webhookReceiver';
import { clickScreenShare } from './support/ui';
import { measure, sleep, waitFor } from './support/wait';

/** The issue's bounds. */
const DURATION_TOLERANCE_MS = 500;
const START_TOLERANCE_MS = 100;
const AV_OFFSET_LIMIT_MS = 40;

let browser: Browser;
const people: Participant[] = [];
const cleanups: (() => Promise<void>)[] = [];

before(async () => {
  const clapper = await clapperMedia();
  // Four pages encode the clapper: below the server, whose media thread's timing is what the files show.
  browser = await launchAtLowPriority(() => launchBrowser([`--use-file-for-fake-video-capture=${clapper.video}`, `--use-file-for-fake-audio-capture=${clapper.audio}`]));
});

after(async () => {
  for (const p of people) await p.close();
  await browser?.close().catch(() => {});
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
});

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'confab-e2e-recording-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

async function startServer(options: Parameters<typeof ServerProcess.start>[0]): Promise<ServerProcess> {
  const server = await ServerProcess.start(options);
  cleanups.push(() => server.stop());
  return server;
}

async function enter(server: ServerProcess, room: string, name: string, options: OpenOptions = {}): Promise<Page> {
  const p = await openParticipant(browser, server.httpBase, room, name, { initScript: MEDIA_TIMELINE, ...options });
  people.push(p);
  return p.page;
}

/** Runs `fn`; on failure, adds the server's last output. */
async function withServerOutput(server: ServerProcess, fn: () => Promise<void>): Promise<void> {
  try {
    await fn();
  } catch (err) {
    const e = err instanceof Error ? err : new Error(String(err));
    e.message += `\n--- server output (last 4 KB) ---\n${server.output.join('\n').slice(-4096)}`;
    throw e;
  }
}

test('a 3-person call recorded for 20 s: consent and control in the web app, every file plays, lasts and starts as its track did, flash and beep line up', { timeout: 240_000 }, async () => {
  const dir = await tempDir();
  const server = await startServer({ env: { CONFAB_RECORDINGS_DIR: dir } });
  await withServerOutput(server, async () => {
    const room = uniqueRoom('e2e-recording');
    const alice = await enter(server, room, 'Alice'); // first in: she hosts
    const bob = await enter(server, room, 'Bob');
    await expectTilePlaying(bob, 'Bob', 'Alice');

    // A guest has no switch, and the SDK's request is refused.
    assert.equal(await bob.locator(MEETING_CONTROLS).isVisible(), false, 'Bob (a guest) has no meeting controls');
    const refused = await bob.evaluate(() =>
      (window as unknown as { confabRoom: { moderation: { setRecording(on: boolean): Promise<void> } } }).confabRoom.moderation.setRecording(true).then(
        () => 'started',
        (err: { code?: string }) => err.code ?? String(err),
      ),
    );
    assert.equal(refused, 'permission_denied');
    assert.equal(await bob.locator('.recording-indicator[data-recording="on"]').count(), 0, 'nothing is recorded after a refusal');

    await Promise.all([startCapturingClaps(alice), startCapturingClaps(bob)]);
    const startClick = await flipRecordSwitch(alice, true);
    await Promise.all([waitIndicator(alice, 'Alice', 'on'), waitIndicator(bob, 'Bob', 'on')]);
    measure('recording_switch_to_indicator_ms', Date.now() - startClick);
    await sleep(3000);

    // Carol joins late: told before her camera and microphone go out.
    const carol = await enter(server, room, 'Carol', { waitForState: 'none' });
    const consent = carol.getByRole('dialog', { name: 'This meeting is being recorded' });
    await consent.waitFor({ state: 'visible', timeout: 30_000 });
    await sleep(500);
    assert.deepEqual((await mediaTimeline(carol)).firstSent, {}, 'nothing of Carol’s goes out before she agrees');
    // A click waits as long as Playwright's default: four pages on two cores draw ~15 frames a second,
    // and its checks before a click (visible, stable over two frames) took 0.4-2.2 s here (3.4 s
    // beside two CPU hogs), over 5 s once in CI.
    await consent.getByRole('button', { name: 'Join' }).click();
    await waitIndicator(carol, 'Carol', 'on');
    await waitFor(() => carol.evaluate(() => (window as unknown as { confabRoom: { localParticipant: { tracks: Map<string, unknown> } } }).confabRoom.localParticipant.tracks.size === 2), { timeout: 10_000, message: 'Carol publishes camera and microphone' });
    await startCapturingClaps(carol);
    await expectTilePlaying(alice, 'Alice', 'Carol');

    // Dan would rather not be recorded: Leave sends nothing and takes him back to the start page.
    const dan = await enter(server, room, 'Dan', { waitForState: 'none' });
    const danConsent = dan.getByRole('dialog', { name: 'This meeting is being recorded' });
    await danConsent.waitFor({ state: 'visible', timeout: 30_000 });
    await danConsent.getByRole('button', { name: 'Leave' }).click();
    await waitForBodyState(dan, 'lobby', 10_000);
    assert.deepEqual((await mediaTimeline(dan)).firstSent, {}, 'nothing of Dan’s went out');
    await waitFor(async () => (await tileNames(alice)).every((n) => n !== 'Dan') && !(await listedPeople(alice)).includes('Dan'), { timeout: 10_000, message: 'Dan is gone from Alice’s page' });

    // Bob shares his screen for a while.
    await sleep(2000);
    await clickScreenShare(bob);
    await expectTilePlaying(alice, 'Alice', 'Bob', 'screen');
    await sleep(5000);
    await clickScreenShare(bob);
    await waitFor(async () => (await mediaTimeline(bob)).events.some((e) => e.type === 'unpublished' && e.detail === 'screen'), { timeout: 10_000, message: 'Bob’s screen share unpublished' });

    const manifestStart = await waitFor(() => readStartedAt(dir), { timeout: 5000, message: 'the manifest exists' });
    const until = manifestStart + 20_000;
    await sleep(Math.max(0, until - Date.now()));
    await screenshot(alice, 'recording-alice.png');
    const stopClick = await flipRecordSwitch(alice, false);
    await Promise.all([alice, bob, carol].map((page, i) => waitIndicator(page, ['Alice', 'Bob', 'Carol'][i]!, 'hidden')));

    const manifest = await finalManifest(join(dir, await recordingId(dir)));
    assert.equal(manifest.state, 'stopped');
    // Dan was in the room for a moment (he saw and heard the others), with no track.
    assert.deepEqual(manifest.participants.map((p) => p.name).sort(), ['Alice', 'Bob', 'Carol', 'Dan']);
    assert.deepEqual(
      manifest.tracks.map((t) => `${t.participantName} ${t.source}`).sort(),
      ['Alice camera', 'Alice microphone', 'Bob camera', 'Bob microphone', 'Bob screen', 'Carol camera', 'Carol microphone'],
    );
    const timelines: Record<string, MediaTimeline> = { Alice: await mediaTimeline(alice), Bob: await mediaTimeline(bob), Carol: await mediaTimeline(carol) };
    const recordingDir = join(dir, manifest.recordingId);
    const failures: string[] = [];
    for (const track of manifest.tracks) {
      const file = join(recordingDir, track.file);
      const checked = await checkFile(file);
      if (checked.decodeErrors !== '') failures.push(`${track.file}: ffmpeg printed ${checked.decodeErrors.slice(0, 300)} (kept in ${await keep(file)})`);
      if (checked.outputTimebaseLines > 0) console.log(`[recording] ${track.file}: ${checked.outputTimebaseLines} lines from ffmpeg's null output (30 fps time base), none with the file's own`);
      // When the track really began and ended, as the pages saw it, on the recording's clock.
      const timeline = timelines[track.participantName]!;
      const sentAt = timeline.firstSent[track.source]! - manifest.startedAtMs;
      // A track published while recording is timed from its own start, which is checked below against
      // the click and its first packet: a busy page may capture its first frame well before that frame
      // goes out (CI: Bob's screen captured 1,037 ms before its first packet, 1,479 ms after the click).
      const began = sentAt > 0 ? track.startMs! : trackBegan(track, manifest, timeline);
      const ended = (track.source === 'screen' ? timeline.lastSent['screen']! : stopClick) - manifest.startedAtMs;
      const durationError = checked.probe.durationSeconds * 1000 - (ended - began);
      const label = `participant=${track.participantName} source=${track.source}`;
      measure('recording_duration_error_ms', durationError, label);
      if (Math.abs(durationError) > DURATION_TOLERANCE_MS) {
        failures.push(`${track.file} (${label}): ${checked.probe.durationSeconds.toFixed(2)} s, ran ${((ended - began) / 1000).toFixed(2)} s (from ${Math.round(began)} to ${Math.round(ended)} ms; the file starts at ${track.startMs?.toFixed(0)} ms)`);
      }
      // A track published while recording starts in the manifest between the click that published it
      // and its first packet as the page's stats saw it (read every 20 ms, late by as much again on a busy page).
      if (sentAt > 0) {
        const clicked = timeline.events.filter((e) => e.type === 'click' && /^Join$|screen/i.test(e.detail) && e.at - manifest.startedAtMs < sentAt).at(-1);
        const askedAt = (clicked?.at ?? Number.NaN) - manifest.startedAtMs;
        measure('recording_late_track_start_vs_first_packet_ms', track.startMs! - sentAt, `${label} click_to_first_packet_ms=${Math.round(sentAt - askedAt)}`);
        if (!(track.startMs! > askedAt - START_TOLERANCE_MS && track.startMs! < sentAt + START_TOLERANCE_MS)) {
          failures.push(`${track.file} (${label}): starts at ${track.startMs?.toFixed(0)} ms; clicked at ${askedAt.toFixed(0)} ms, first packet out by ${sentAt.toFixed(0)} ms`);
        }
      }
    }
    measure('recording_stop_click_to_stopped_ms', Date.parse(manifest.stoppedAt!) - stopClick);

    // The clapper: each person's camera and microphone, placed on one clock by the manifest, keep
    // the A/V offset their browser captured (support/capturedClaps.ts says why that is not zero).
    const capturedBy = new Map<string, CapturedClaps>();
    const beepsBy = new Map<string, number[]>();
    for (const [name, page] of [['Alice', alice], ['Bob', bob], ['Carol', carol]] as const) {
      const camera = manifest.tracks.find((t) => t.participantName === name && t.source === 'camera')!;
      const mic = manifest.tracks.find((t) => t.participantName === name && t.source === 'microphone')!;
      const flashes = (await flashOnsets(join(recordingDir, camera.file))).map((s) => manifest.startedAtMs + camera.startMs! + s * 1000);
      const beeps = (await beepOnsets(join(recordingDir, mic.file))).map((s) => manifest.startedAtMs + mic.startMs! + s * 1000);
      const captured = await capturedClaps(page);
      capturedBy.set(name, captured);
      beepsBy.set(name, beeps);
      const claps = againstCapture(flashes, beeps, captured);
      const errors = claps.map((c) => c.errorMs);
      const worst = Math.max(...errors.map(Math.abs));
      const typical = median(errors.map(Math.abs));
      const label = `participant=${name}`;
      measure('recording_av_offset_vs_capture_ms', median(errors), `${label} median_abs=${Math.round(typical)} worst=${Math.round(worst)} claps=${claps.length}`);
      // Where the manifest puts each file, checked by its content: the flash (beep) in the file against when it was captured.
      const flashPlacement = median(claps.map((c) => c.flashPlacementMs));
      const beepPlacement = median(claps.map((c) => c.beepPlacementMs));
      measure('recording_camera_placement_ms', flashPlacement, label);
      measure('recording_microphone_placement_ms', beepPlacement, label);
      console.log(`[recording] ${name}: per clap recorded/captured A/V offset ms: ${claps.map((c) => `${Math.round(c.recordedMs)}/${Math.round(c.capturedMs)}`).join(' ')} (captured ${captured.flashesMs.length} flashes, ${captured.beepsMs.length} beeps)`);
      if (claps.length < 4) failures.push(`${name}: only ${claps.length} claps matched (recorded flashes at ${flashes.slice(0, 4).map((t) => Math.round(t - manifest.startedAtMs)).join(", ")} ms, captured at ${captured.flashesMs.slice(0, 8).map((t) => Math.round(t - manifest.startedAtMs)).join(", ")} ms) (${flashes.length} flashes and ${beeps.length} beeps recorded; ${captured.flashesMs.length} and ${captured.beepsMs.length} captured, from ${captured.videoFrames} frames and ${captured.audioChunks} audio chunks${captured.errors.length > 0 ? `; the page's reading failed: ${captured.errors.join('; ')}` : ''})`);
      // The typical clap is the recording's accuracy. A single clap may be off by a frame or two:
      // on a busy machine the encoder drops a captured frame (the flash is then sent, and recorded,
      // with the next one); at most one clap in four may do that.
      const beyond = errors.filter((e) => Math.abs(e) >= AV_OFFSET_LIMIT_MS).length;
      if (!(Math.abs(median(errors)) < AV_OFFSET_LIMIT_MS) || beyond > claps.length / 4) failures.push(`${name}: recorded A/V offsets differ from the captured ones by ${errors.map(Math.round).join(', ')} ms`);
      for (const [what, placement] of [['camera', flashPlacement], ['microphone', beepPlacement]] as const) {
        if (!(Math.abs(placement) <= START_TOLERANCE_MS)) failures.push(`${name}'s ${what}: the manifest places its file ${Math.round(placement)} ms off when it was captured`);
      }
    }
    // The composite of this meeting, made after the stop: it plays end to end and lasts as long as the meeting.
    // The pages leave first: their encoders would take the two cores the composite runs on.
    await Promise.all(people.map((p) => p.close()));
    const composite = await waitFor(
      async () => {
        const status = await readCompositeStatus(recordingDir);
        return status?.state === 'done' || status?.state === 'failed' ? status : undefined;
      },
      { timeout: 120_000, interval: 500, message: 'the composite is made' },
    );
    if (composite.state !== 'done') failures.push(`the composite failed: ${composite.error}`);
    else {
      const checked = await checkFile(join(recordingDir, COMPOSITE_FILE));
      if (checked.decodeErrors !== '') failures.push(`${COMPOSITE_FILE}: ffmpeg printed ${checked.decodeErrors.slice(0, 300)}`);
      const meetingMs = Date.parse(manifest.stoppedAt!) - manifest.startedAtMs;
      const errorMs = checked.probe.durationSeconds * 1000 - meetingMs;
      measure('recording_composite_duration_error_ms', errorMs);
      measure('recording_composite_stop_to_done_ms', Date.parse(composite.finishedAt!) - Date.parse(manifest.stoppedAt!), `cpu_s=${composite.cpuSeconds}`);
      if (!(Math.abs(errorMs) <= DURATION_TOLERANCE_MS)) failures.push(`${COMPOSITE_FILE} lasts ${checked.probe.durationSeconds} s for a meeting of ${meetingMs} ms`);
      failures.push(...(await compositeClaps(recordingDir, manifest, capturedBy, beepsBy)));
    }
    if (failures.length > 0) failures.push(`the recording is kept in ${await keep(recordingDir)}`);
    assert.deepEqual(failures, []);
  });
});

/**
 * The clapper in the composite: each person's flashes in their tile and their beeps in the mix
 * (support/compositeSync.ts) keep the A/V offset their browser captured, as in their own files.
 */
async function compositeClaps(recordingDir: string, manifest: RecordingManifest, capturedBy: Map<string, CapturedClaps>, beepsBy: Map<string, number[]>): Promise<string[]> {
  const file = join(recordingDir, COMPOSITE_FILE);
  const plan = await planFromFiles(recordingDir, manifest, 'ffprobe', COMPOSITE_SIZE);
  const flashesBy = await tileFlashesMs(file, plan, DEFAULT_ENCODING.fps);
  const mixBeeps = (await beepOnsets(file, {}, MIX_BEEP_GAP_SECONDS)).map((s) => manifest.startedAtMs + s * 1000);
  const failures: string[] = [];
  let told = 0;
  for (const [name, captured] of capturedBy) {
    const id = manifest.participants.find((p) => p.name === name)!.participantId;
    const flashes = (flashesBy.get(id) ?? []).map((ms) => manifest.startedAtMs + ms);
    const others = [...beepsBy].filter(([other]) => other !== name).flatMap(([, beeps]) => beeps);
    const claps = againstCapture(flashes, beepsStartedBy(mixBeeps, beepsBy.get(name)!, others), captured);
    told += claps.length;
    const errors = claps.map((c) => c.errorMs);
    const flashPlacement = median(claps.map((c) => c.flashPlacementMs));
    measure('recording_composite_av_offset_vs_capture_ms', median(errors), `participant=${name} claps=${claps.length} of ${flashes.length} flashes flash_placement_ms=${Math.round(flashPlacement)}`);
    // Claps whose onset another person's beep hides are left out; a person whose every clap is is not judged here.
    if (claps.length < 3) continue;
    if (!(Math.abs(median(errors)) < AV_OFFSET_LIMIT_MS)) failures.push(`${COMPOSITE_FILE}, ${name}: A/V offsets differ from the captured ones by ${errors.map(Math.round).join(', ')} ms`);
    if (!(Math.abs(flashPlacement) <= START_TOLERANCE_MS)) failures.push(`${COMPOSITE_FILE}, ${name}: the tile flashes ${Math.round(flashPlacement)} ms off when it was captured`);
  }
  if (told < 4) failures.push(`${COMPOSITE_FILE}: only ${told} claps told apart (${mixBeeps.length} beeps in the mix; flashes by tile ${[...flashesBy.values()].map((f) => f.length).join(', ')})`);
  return failures;
}

/** Copies a file or folder that failed a check to test-results/recording/, for whoever looks into it. */
async function keep(path: string): Promise<string> {
  const dir = join(RESULTS_DIR, 'recording');
  await mkdir(dir, { recursive: true });
  const to = join(dir, basename(path));
  await cp(path, to, { recursive: true });
  return to;
}

/** The one recording in `dir`, as soon as its folder exists. */
async function recordingId(dir: string): Promise<string> {
  const [id] = (await readdir(dir)).filter((name) => name.startsWith('RC_'));
  if (id === undefined) throw new Error(`no recording in ${dir}`);
  return id;
}

async function readStartedAt(dir: string): Promise<number | undefined> {
  return (await readManifest(join(dir, await recordingId(dir))).catch(() => undefined))?.startedAtMs;
}

/** Simulcast layers from the lowest: a plain stream has no rid. */
const RIDS = ['', 'q', 'h', 'f'];

/**
 * When `track`, running when the recording started, really began on the recording's clock, as its
 * sender's page saw it: the start itself (audio), or the first key frame encoded after it (video: a
 * file starts on one) of the highest layer that sent one: the recording takes the highest layer, and a
 * lower layer may be keyed alone for a viewer (seen here: q 59 ms before h), which would make the
 * file look short (the likely cause of a CI run's camera file 632 ms "short"; the message now says).
 */
function trackBegan(track: RecordedTrack, manifest: RecordingManifest, timeline: MediaTimeline): number {
  if (track.kind === 'audio') return 0;
  const keys = timeline.keyFrames.filter((k) => k.source === track.source && k.at >= manifest.startedAtMs);
  const top = Math.max(...keys.map((k) => RIDS.indexOf(k.rid)));
  const key = keys.find((k) => RIDS.indexOf(k.rid) === top);
  if (key === undefined) throw new Error(`${track.participantName}'s ${track.source}: no key frame seen after the recording started`);
  return key.at - manifest.startedAtMs;
}

test('a full disk (a 4 MB tmpfs, nearly full): the recording stops cleanly, the moderator reads why, a webhook says so, the call goes on', { timeout: 90_000, skip: process.getuid?.() === 0 ? false : 'needs root: the server gets a tmpfs in a mount namespace of its own (unshare -m)' }, async () => {
  const dir = await tempDir();
  const receiver = await WebhookReceiver.listen(TEST_KEY, TEST_SECRET);
  cleanups.push(() => receiver.close());
  // The tmpfs exists only in the server's mount namespace; the test reads it through /proc/<pid>/root.
  // All but 352 KB of it is taken: 256 KB the recording sets aside for its last manifest, 96 KB it fills within seconds.
  const mountTmpfs = 'mount -t tmpfs -o size=4m confab-e2e "$0" && head -c 3744k /dev/zero > "$0/filler" && exec "$@"';
  const server = await startServer({
    env: { ...TOKEN_MODE_ENV, CONFAB_RECORDINGS_DIR: dir, CONFAB_WEBHOOK_URLS: receiver.url },
    wrapper: ['unshare', '-m', 'sh', '-c', mountTmpfs, dir],
  });
  await withServerOutput(server, async () => {
    const room = uniqueRoom('e2e-recording-full');
    const path = async (name: string, grants: Record<string, boolean> = {}): Promise<string> =>
      `/r/${room}?name=${name}&prejoin=0&token=${await token(room, name.toLowerCase(), grants, { name })}`;
    const ann = await enter(server, room, 'Ann', { path: await path('Ann', { roomAdmin: true }) });
    const ben = await enter(server, room, 'Ben', { path: await path('Ben') });
    await expectTilePlaying(ben, 'Ben', 'Ann');

    const startedAt = await flipRecordSwitch(ann, true);
    await Promise.all([waitIndicator(ann, 'Ann', 'on'), waitIndicator(ben, 'Ben', 'on')]);
    // The moderator reads why it stopped; everyone's indicator goes.
    const told = await waitFor(async () => ((await toastText(ann)).includes('The recording failed and stopped.') ? toastText(ann) : null), { timeout: 45_000, interval: 100, message: 'Ann reads that the recording failed' });
    measure('recording_full_disk_failed_after_ms', Date.now() - startedAt);
    assert.match(told, /No space left on device|ENOSPC/i, `Ann reads why: ${told}`);
    assert.match(told, /The call goes on/);
    assert.equal(await toastCovering(ann, '.chat-input'), null, 'the notice leaves the chat box free');
    await Promise.all([waitIndicator(ann, 'Ann', 'hidden'), waitIndicator(ben, 'Ben', 'hidden')]);
    assert.equal(await ann.locator('#room-recording').isChecked(), false, 'her switch is off again');

    const failed = await waitFor(() => receiver.accepted().find((e) => e.event === 'recording_failed'), { timeout: 10_000, message: 'a recording_failed webhook' });
    assert.match(failed.recording?.error ?? '', /ENOSPC/);
    assert.ok((failed.recording?.files?.length ?? 0) >= 2, `the files written so far are named: ${JSON.stringify(failed.recording?.files)}`);

    // The call goes on: Ben still sees Ann's camera playing, and she his.
    await expectTilePlaying(ben, 'Ben', 'Ann', 'camera', 10_000);
    await expectTilePlaying(ann, 'Ann', 'Ben', 'camera', 10_000);

    // What was written plays, and the manifest says what happened.
    const inServer = join(`/proc/${server.pid}/root`, failed.recording!.dir);
    const manifest = await finalManifest(inServer);
    assert.equal(manifest.state, 'failed');
    assert.match(manifest.error ?? '', /ENOSPC/);
    // Each file plays as far as it got: a track whose own write hit the full disk ends where the disk
    // did (ffmpeg says the file ended early, the one thing it may say), the others were finalized.
    for (const track of manifest.tracks) {
      const file = join(inServer, track.file);
      const checked = await checkFile(file);
      const cut = track.error !== null && /ENOSPC/.test(track.error);
      console.log(`[recording] full disk: ${track.file} ${(await stat(file)).size} bytes, ${checked.probe.packetTimes.length} frames read (${track.frames} written), ${cut ? 'cut by the disk' : 'finalized'}: ${checked.decodeErrors || 'decodes cleanly'}`);
      assert.ok(checked.probe.packetTimes.length > 0, `${track.file}: ffprobe reads frames`);
      const allowed = cut ? /^(\[matroska,webm @ \w+\] File ended prematurely.*\n?)*$/ : /^$/;
      assert.match(checked.decodeErrors, allowed, `${track.file} decodes`);
      if (!cut) assert.ok(Math.abs(checked.probe.durationSeconds * 1000 - (track.endMs! - track.startMs!)) < DURATION_TOLERANCE_MS, `${track.file}: ${checked.probe.durationSeconds} s`);
    }
  });
});

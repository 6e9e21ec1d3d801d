/**
 * Recording when things go wrong (issue 13), with the publisher's Chromium in a network namespace
 * of its own (support/impair): 2 % random loss both ways on her link while she is recorded, then a
 * `kill -9` of the server in the middle of a second recording. Files are read as a person would
 * play them (ffprobe, ffmpeg's decode), against the wall clock.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { ServerProcess } from '@confab/loadtest';
import { readManifest, type RecordingManifest } from '../packages/server/src/recording/manifest';
import { openParticipant, uniqueRoom, type Participant } from './support/browser';
import { canImpair, launchParticipantBrowser, LinkShaper, NetNamespace, SERVER_ADDRESS } from './support/impair/index';
import { checkFile, finalManifest } from './support/recording';
import { measure, sleep, waitFor } from './support/wait';

const LOSS_PERCENT = 2;
const RECORD_MS = 15_000;

const skip = await canImpair();
let dir = '';
let server: ServerProcess | undefined;
let namespace: NetNamespace | undefined;
let browser: Browser | undefined;
let alice: Participant | undefined;

before(async () => {
  if (skip) return;
  dir = await mkdtemp(join(tmpdir(), 'confab-e2e-recording-impaired-'));
  namespace = await NetNamespace.create(1);
  server = await ServerProcess.start({ env: { CONFAB_HOST: '0.0.0.0', CONFAB_PUBLIC_IP: SERVER_ADDRESS, CONFAB_RECORDINGS_DIR: dir }, readyTimeoutMs: 90_000 });
  browser = await launchParticipantBrowser({ namespace, serverOrigin: origin() });
});

after(async () => {
  await alice?.close();
  await browser?.close().catch(() => {});
  await server?.stop();
  await namespace?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

function origin(): string {
  return `http://${SERVER_ADDRESS}:${server!.port}`;
}

/** Alice (who hosts the room) starts or stops recording through her SDK; returns when she asked (epoch ms). */
async function setRecording(page: Page, on: boolean): Promise<number> {
  return page.evaluate(async (on) => {
    const at = Date.now();
    await (window as unknown as { confabRoom: { moderation: { setRecording(on: boolean): Promise<void> } } }).confabRoom.moderation.setRecording(on);
    return at;
  }, on);
}

/** The recording in `dir` other than `except`, once its manifest exists. */
async function newRecording(except: Set<string>): Promise<{ id: string; manifest: RecordingManifest }> {
  return waitFor(async () => {
    const id = (await readdir(dir)).find((name) => name.startsWith('RC_') && !except.has(name));
    return id === undefined ? undefined : { id, manifest: await readManifest(join(dir, id)) };
  }, { timeout: 10_000, message: 'a new recording folder with its manifest' });
}

test(`${LOSS_PERCENT} % loss on the publisher's link: her files play end to end and last as long as she was recorded; then kill -9 of the server mid-recording leaves files that play to within seconds of the kill`, { skip: skip ?? false, timeout: 150_000 }, async () => {
  try {
    const room = uniqueRoom('e2e-recording-loss');
    alice = await openParticipant(browser!, origin(), room, 'Alice', { path: `/r/${room}?name=Alice&prejoin=0`, timeout: 60_000 });
    const page = alice.page;
    await waitFor(() => page.evaluate(() => (window as unknown as { confabRoom: { localParticipant: { tracks: Map<string, unknown> } } }).confabRoom.localParticipant.tracks.size === 2), { timeout: 20_000, message: 'Alice publishes camera and microphone' });
    await sleep(2000); // her encoder has climbed past its first frames

    // Loss: 2 % of her UDP both ways (media, RTCP, retransmissions), for the whole recording.
    const shaper = new LinkShaper(namespace!);
    await shaper.loss(LOSS_PERCENT, 'both');
    const startAsked = await setRecording(page, true);
    const first = await newRecording(new Set());
    await sleep(RECORD_MS);
    const stopAsked = await setRecording(page, false);
    await shaper.clearLoss();
    const lossy = await finalManifest(join(dir, first.id));
    assert.equal(lossy.state, 'stopped');
    assert.deepEqual(lossy.tracks.map((t) => t.source).sort(), ['camera', 'microphone']);
    const failures: string[] = [];
    for (const track of lossy.tracks) {
      const checked = await checkFile(join(dir, first.id, track.file));
      const times = checked.probe.packetTimes;
      const longestGap = Math.max(0, ...times.slice(1).map((t, i) => t - times[i]!)) * 1000;
      const ran = stopAsked - Math.max(startAsked, lossy.startedAtMs + track.startMs!);
      const durationError = checked.probe.durationSeconds * 1000 - ran;
      measure('recording_loss_duration_error_ms', durationError, `source=${track.source} frames=${track.frames} longest_gap_ms=${Math.round(longestGap)}`);
      // Nothing printed: the recorder skips what it cannot complete (video waits for the next key
      // frame, asked for by PLI; a lost Opus packet is a gap in the file), so every frame it wrote decodes.
      if (checked.decodeErrors !== '') failures.push(`${track.file} (${track.source}): ffmpeg printed ${checked.decodeErrors.slice(0, 400)}`);
      if (Math.abs(durationError) > 500) failures.push(`${track.file} (${track.source}): ${checked.probe.durationSeconds.toFixed(2)} s, recorded ${(ran / 1000).toFixed(2)} s`);
      // A video that froze for seconds would "play" but not be watchable.
      if (longestGap > 1500) failures.push(`${track.file} (${track.source}): a ${Math.round(longestGap)} ms hole`);
    }
    assert.deepEqual(failures, []);

    // Crash: a second recording, the server killed in the middle of it.
    await setRecording(page, true);
    const second = await newRecording(new Set([first.id]));
    await sleep(6000);
    const killedAt = Date.now();
    server!.signal('SIGKILL');
    await waitFor(() => !server!.running, { timeout: 5000, message: 'the server is gone' });
    const left = await readManifest(join(dir, second.id));
    assert.equal(left.state, 'recording', 'the manifest left behind says the recording never ended');
    assert.deepEqual(left.tracks.map((t) => t.source).sort(), ['camera', 'microphone']);
    for (const track of left.tracks) {
      assert.notEqual(track.startMs, null, `${track.file}: its start is in the manifest (written at its first frame)`);
      const checked = await checkFile(join(dir, second.id, track.file));
      const lastFrameAt = left.startedAtMs + track.startMs! + (checked.probe.packetTimes.at(-1) ?? 0) * 1000;
      const short = killedAt - lastFrameAt;
      measure('recording_crash_file_ends_before_kill_ms', short, `source=${track.source} frames=${checked.probe.packetTimes.length}`);
      // A cut file: ffmpeg may say where it ends mid-block, nothing else.
      assert.match(checked.decodeErrors, /^(\[matroska,webm @ \w+\] File ended prematurely.*\n?)*$/, `${track.file} decodes up to the cut`);
      assert.ok(short < 3000 && short > -500, `${track.file} plays until ${Math.round(short)} ms before the kill`);
    }
  } catch (err) {
    const e = err instanceof Error ? err : new Error(String(err));
    e.message += `\n--- server output (last 4 KB) ---\n${server?.output.join('\n').slice(-4096)}\n${alice?.diagnostics() ?? ''}`;
    throw e;
  }
});

/**
 * Recording as a test sees it: when each of a page's tracks really began and ended (read in the
 * page), the recording's controls in the web app, and the files on disk (manifest, ffprobe,
 * ffmpeg's decode).
 */
import { readManifest, type RecordingManifest } from '../../packages/server/src/recording/manifest';
import { decodeErrors, probe, type Probe } from '../../packages/server/src/media/recording/testing/probe';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { Page } from 'playwright-core';
import { openMeetingControls } from './moderationUi';
import { sleep, waitFor } from './wait';

const run = promisify(execFile);

/**
 * Installed before the app: every 20 ms, the page's outbound RTP is read, and per local track
 * (by source: microphone, camera, screen) the first moment a packet of it had gone out is kept
 * (epoch ms), with each moment a video key frame was encoded. Once the app's room exists, its
 * recording and local-track events are logged with their epoch time too.
 */
export const MEDIA_TIMELINE = `(() => {
  if (window.top !== window) return;
  const t = { firstSent: {}, lastSent: {}, keyFrames: [], events: [] };
  Object.defineProperty(window, '__recordingTimeline', { value: t });
  const keyCount = {};
  const sent = {};
  const sourceById = {};
  // The moderator's switch and every button, timed where the person uses them.
  document.addEventListener('change', (ev) => {
    if (ev.target && ev.target.id === 'room-recording') t.events.push({ at: Date.now(), type: 'switch', detail: ev.target.checked ? 'on' : 'off' });
  }, true);
  document.addEventListener('click', (ev) => {
    const button = ev.target instanceof Element && ev.target.closest('button');
    if (button) t.events.push({ at: Date.now(), type: 'click', detail: button.getAttribute('aria-label') || button.textContent.trim() });
  }, true);
  let room = null;
  const sourceOf = (trackId) => {
    for (const [source, track] of room ? room.localParticipant.tracks : []) if (track.mediaStreamTrack.id === trackId) return source;
    return null;
  };
  setInterval(async () => {
    if (!room && window.confabRoom) {
      room = window.confabRoom;
      const log = (type, detail) => t.events.push({ at: Date.now(), type, detail });
      room.on('recordingChanged', (r, stop) => log('recording', r ? 'on' : (stop ? stop.reason : 'off')));
      room.on('localTrackPublished', (track) => log('published', track.source));
      room.on('localTrackUnpublished', (track) => log('unpublished', track.source));
    }
    const now = Date.now();
    for (const pc of window.__confabPeerConnections || []) {
      if (pc.connectionState === 'closed') continue;
      const stats = await pc.getStats();
      stats.forEach((s) => {
        if (s.type !== 'outbound-rtp' || !s.packetsSent) return;
        const src = s.mediaSourceId && stats.get(s.mediaSourceId);
        const source = sourceById[s.id] || (src && sourceOf(src.trackIdentifier));
        if (!source) return;
        sourceById[s.id] = source;
        if (!(source in t.firstSent)) t.firstSent[source] = now;
        if (s.packetsSent > (sent[s.id] || 0)) t.lastSent[source] = now;
        sent[s.id] = s.packetsSent;
        if (s.kind === 'video' && s.keyFramesEncoded > (keyCount[s.id] || 0)) {
          keyCount[s.id] = s.keyFramesEncoded;
          t.keyFrames.push({ at: now, source, rid: s.rid || '' });
        }
      });
    }
  }, 20);
})();`;

export interface MediaTimeline {
  /** Epoch ms when the first packet of each local track (by source) had been sent, and the last. */
  firstSent: Record<string, number>;
  lastSent: Record<string, number>;
  keyFrames: { at: number; source: string | null; rid: string }[];
  events: { at: number; type: 'recording' | 'published' | 'unpublished' | 'switch' | 'click'; detail: string }[];
}

export async function mediaTimeline(page: Page): Promise<MediaTimeline> {
  return page.evaluate(() => JSON.parse(JSON.stringify((window as unknown as { __recordingTimeline: MediaTimeline }).__recordingTimeline)) as MediaTimeline);
}

/** The recording indicator beside the room's name: "on" while this page shows the meeting recorded. */
export async function indicatorState(page: Page): Promise<string | null> {
  return page.evaluate(() => {
    const el = document.querySelector<HTMLElement>('.recording-indicator');
    return el === null ? null : el.checkVisibility() ? (el.dataset['recording'] ?? null) : 'hidden';
  });
}

export async function waitIndicator(page: Page, who: string, state: 'on' | 'hidden', timeout = 10_000): Promise<void> {
  await waitFor(async () => (await indicatorState(page)) === state, { timeout, interval: 50, message: `${who} sees the recording indicator ${state}` });
}

/**
 * Flips the moderator's "Record meeting" switch as a person does; returns when it flipped, timed in
 * the page (the driver's click can take a while to land on a busy machine).
 */
export async function flipRecordSwitch(page: Page, on: boolean): Promise<number> {
  await openMeetingControls(page);
  const toggle = page.getByRole('switch', { name: 'Record meeting' });
  await toggle.waitFor({ state: 'visible', timeout: 5000 });
  await toggle.setChecked(on, { timeout: 5000 });
  await page.keyboard.press('Escape');
  const flipped = (await mediaTimeline(page)).events.filter((e) => e.type === 'switch' && e.detail === (on ? 'on' : 'off')).at(-1);
  if (flipped === undefined) throw new Error('the page saw no change of the Record switch');
  return flipped.at;
}

/** What the toasts say now. */
export async function toastText(page: Page): Promise<string> {
  return page.evaluate(() => document.getElementById('toasts')?.innerText ?? '');
}

/** Whether a toast on screen now covers part of the (visible) element `selector`; what it says when one does. */
export async function toastCovering(page: Page, selector: string): Promise<string | null> {
  return page.evaluate((sel) => {
    const target = document.querySelector(sel);
    if (!target || target.getClientRects().length === 0) throw new Error(`${sel} is not on screen`);
    const t = target.getBoundingClientRect();
    for (const toast of document.querySelectorAll<HTMLElement>('#toasts .toast')) {
      const r = toast.getBoundingClientRect();
      if (r.left < t.right && t.left < r.right && r.top < t.bottom && t.top < r.bottom) return toast.innerText;
    }
    return null;
  }, selector);
}

/** The manifest once the recording has ended (state stopped or failed, every file finalized). */
export async function finalManifest(dir: string, timeout = 20_000): Promise<RecordingManifest> {
  let manifest = await readManifest(dir);
  for (const deadline = Date.now() + timeout; manifest.state === 'recording' && Date.now() < deadline; manifest = await readManifest(dir)) await sleep(100);
  if (manifest.state === 'recording') throw new Error(`${dir}: the manifest still says recording after ${timeout} ms`);
  return manifest;
}

export interface FileCheck {
  probe: Probe;
  /** What `ffmpeg -v error -i <file> -f null -` printed (empty: every frame decoded cleanly). */
  decodeErrors: string;
  /**
   * Lines of `decodeErrors` that only say ffmpeg 5.1's null output got two frames in one tick of
   * its time base: it takes the guessed frame rate (30 fps) as that, and a camera's frames are not
   * evenly spaced (a busy capture delivers one 19 ms after the last). Counted, and left out of
   * `decodeErrors` only when the same decode with the file's own time base (`-enc_time_base:v -1`,
   * ms) prints none of them; `decodeErrors` is then what that decode printed.
   */
  outputTimebaseLines: number;
}

const OUTPUT_TIMEBASE_LINE = /non monotonically increasing dts to muxer/;

/** ffprobe's reading of the file (throws if it cannot read it) and ffmpeg's decode errors. */
export async function checkFile(file: string): Promise<FileCheck> {
  const printed = await decodeErrors(file);
  const lines = printed === '' ? [] : printed.split('\n');
  const timebaseLines = lines.filter((l) => OUTPUT_TIMEBASE_LINE.test(l)).length;
  if (timebaseLines > 0) {
    // The rest of what it printed (a cut file's "File ended prematurely") must still show.
    const { stderr } = await run('ffmpeg', ['-nostdin', '-v', 'error', '-i', file, '-enc_time_base:v', '-1', '-f', 'null', '-']);
    const own = stderr.trim();
    if (!own.split('\n').some((l) => OUTPUT_TIMEBASE_LINE.test(l))) return { probe: await probe(file), decodeErrors: own, outputTimebaseLines: timebaseLines };
  }
  return { probe: await probe(file), decodeErrors: printed, outputTimebaseLines: 0 };
}

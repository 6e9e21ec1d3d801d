/**
 * What a person in the room sees: tiles, their videos, and the media the SDK receives.
 * Everything reads the page; nothing here changes it.
 */
import type { TrackStats } from '@confab/client';
import type { Page } from 'playwright-core';
import assert from 'node:assert/strict';
import { measure, sleep, waitFor } from './wait';

/**
 * All these readers do with a page is evaluate a function in it: a Playwright page (Chromium) is
 * one, and support/firefox.ts wraps a Puppeteer page (Firefox) into one.
 */
export interface PageReader {
  evaluate<R, A>(fn: (arg: A) => R | Promise<R>, arg: A): Promise<R>;
  evaluate<R>(fn: () => R | Promise<R>): Promise<R>;
}

export type Source = 'camera' | 'screen';

/** One entry of `window.confabRoom.getStats()`: a subscribed remote track. */
export type RemoteTrackStats = TrackStats;

export interface TileVideo {
  /** Number of elements matching the tile selector. */
  tiles: number;
  hasVideo: boolean;
  videoWidth: number;
  videoHeight: number;
  totalVideoFrames: number;
  paused: boolean;
  local: boolean;
}

export function tileSelector(name: string, source: Source = 'camera'): string {
  return `[data-participant-name="${cssString(name)}"][data-source="${source}"]`;
}

function cssString(s: string): string {
  return s.replace(/["\\]/g, '\\$&');
}

/** The tile of `name` (camera or screen) and its <video>, as this page shows it; null if no such tile. */
export async function tileVideo(page: PageReader, name: string, source: Source = 'camera'): Promise<TileVideo | null> {
  return page.evaluate(
    ({ sel }) => {
      const tiles = document.querySelectorAll(sel);
      const tile = tiles[0];
      if (tile === undefined) return null;
      const v = tile.querySelector('video');
      return {
        tiles: tiles.length,
        hasVideo: v !== null,
        videoWidth: v?.videoWidth ?? 0,
        videoHeight: v?.videoHeight ?? 0,
        // Firefox counts 0 here for a MediaStream; its mozPaintedFrames counts the frames it painted.
        totalVideoFrames: v === null ? 0 : v.getVideoPlaybackQuality().totalVideoFrames || ((v as unknown as { mozPaintedFrames?: number }).mozPaintedFrames ?? 0),
        paused: v?.paused ?? true,
        local: tile.getAttribute('data-local') === 'true',
      };
    },
    { sel: tileSelector(name, source) },
  );
}

/** Names on all tiles of the given source in this page (local included). */
export async function tileNames(page: PageReader, source: Source = 'camera'): Promise<string[]> {
  return page.evaluate(
    (src) =>
      [...document.querySelectorAll(`[data-participant-name][data-source="${src}"]`)].map(
        (el) => el.getAttribute('data-participant-name') ?? '',
      ),
    source,
  );
}

/** `window.confabRoom.getStats()`; throws if the page has no room. */
export async function remoteStats(page: PageReader): Promise<RemoteTrackStats[]> {
  return page.evaluate(async () => {
    const room = (window as unknown as { confabRoom?: { getStats(): unknown } }).confabRoom;
    if (room === undefined || room === null) throw new Error('window.confabRoom is not set');
    const stats = await room.getStats();
    return JSON.parse(JSON.stringify(stats)) as RemoteTrackStats[];
  });
}

/** `name`'s `kind` track (of `source`, if given) among a viewer's remote stats. */
export function pick(stats: RemoteTrackStats[], name: string, kind: 'audio' | 'video', source?: string): RemoteTrackStats | undefined {
  return stats.find(
    (s) => s.participantName === name && s.kind === kind && (source === undefined || s.source === source),
  );
}

/** Waits until `read()` gives a number, then until it gives a larger one. Returns [first, later]. */
export async function waitRising(
  read: () => Promise<number | undefined>,
  message: string,
  timeout = 30_000,
): Promise<[number, number]> {
  const first = await waitFor(async () => {
    const v = await read();
    return v === undefined ? undefined : { v };
  }, { timeout, interval: 300, message: `${message}: a first value` });
  const later = await waitFor(async () => {
    const v = await read();
    return v !== undefined && v > first.v ? { v } : undefined;
  }, { timeout, interval: 300, message: `${message}: rising above ${first.v}` });
  return [first.v, later.v];
}

/**
 * What `viewer` sees of `name`'s camera: the tile exists, its <video> has a size and keeps presenting
 * new frames. Returns the last reading.
 */
export async function expectTilePlaying(
  viewer: PageReader,
  viewerName: string,
  name: string,
  source: Source = 'camera',
  timeout = 30_000,
): Promise<TileVideo> {
  const what = `${viewerName} sees ${name}'s ${source} tile playing`;
  await waitFor(async () => {
    const t = await tileVideo(viewer, name, source);
    return t !== null && t.hasVideo && t.videoWidth > 0;
  }, { timeout, interval: 300, message: `${what} (videoWidth > 0)` });
  await waitRising(async () => (await tileVideo(viewer, name, source))?.totalVideoFrames, `${what} (totalVideoFrames)`, timeout);
  const t = await tileVideo(viewer, name, source);
  if (t === null) throw new Error(`${what}: tile vanished`);
  return t;
}

/** `viewer` decodes `name`'s video of `source` (framesDecoded rising). */
export async function expectVideoDecoded(
  viewer: PageReader,
  viewerName: string,
  name: string,
  source: 'camera' | 'screen' = 'camera',
  timeout = 30_000,
): Promise<[number, number]> {
  return waitRising(
    async () => pick(await remoteStats(viewer), name, 'video', source)?.framesDecoded,
    `${viewerName} decodes ${name}'s ${source} (framesDecoded)`,
    timeout,
  );
}

/**
 * `viewer` receives `name`'s microphone: RTP packets arriving (packetsReceived rising) and samples
 * coming out of the decoder (totalSamplesReceived rising). totalSamplesReceived alone is not enough:
 * it counts concealment too, so it keeps rising when no packet arrives at all.
 */
export async function expectAudioReceived(
  viewer: PageReader,
  viewerName: string,
  name: string,
  timeout = 30_000,
): Promise<[number, number]> {
  await waitRising(
    async () => pick(await remoteStats(viewer), name, 'audio')?.packetsReceived,
    `${viewerName} receives ${name}'s audio (packetsReceived)`,
    timeout,
  );
  return waitRising(
    async () => pick(await remoteStats(viewer), name, 'audio')?.totalSamplesReceived,
    `${viewerName} receives ${name}'s audio (totalSamplesReceived)`,
    timeout,
  );
}

/** Per-page timings recorded by the init script in browser.ts. */
export interface PageTimings {
  inRoomAt: number | null;
  firstFrame: Record<string, number>;
  goneAt: Record<string, number>;
}

export async function pageTimings(page: PageReader): Promise<PageTimings> {
  return page.evaluate(() => {
    const e2e = (window as unknown as { __confabE2E?: PageTimings }).__confabE2E;
    if (e2e === undefined) throw new Error('e2e init script missing');
    return { inRoomAt: e2e.inRoomAt, firstFrame: { ...e2e.firstFrame }, goneAt: { ...e2e.goneAt } };
  });
}

/**
 * Starts watching, inside `page`, for the moment no element `[data-participant-name=name]` remains.
 * Call while the tile is still there; read the result with `waitGone()`.
 */
export async function watchGone(page: PageReader, name: string): Promise<void> {
  const present = await page.evaluate((n) => {
    const e2e = (window as unknown as { __confabE2E: { watch: Record<string, boolean>; check(): void } }).__confabE2E;
    e2e.watch[n] = true;
    const here = document.querySelector(`[data-participant-name="${CSS.escape(n)}"]`) !== null;
    e2e.check();
    return here;
  }, name);
  if (!present) throw new Error(`watchGone: ${name} is not on the page to begin with`);
}

/** Waits until the watched tile is gone; returns the epoch ms (page clock) when it went. */
export async function waitGone(page: PageReader, viewerName: string, name: string, timeout = 15_000): Promise<number> {
  const r = await waitFor(async () => {
    const t = await pageTimings(page);
    const at = t.goneAt[name];
    return at === undefined ? undefined : { at };
  }, { timeout, interval: 100, message: `${viewerName}: ${name} gone from the page` });
  return r.at;
}

/** True if `text` is visible somewhere in the page (what a person reads). */
export async function pageShowsText(page: PageReader, text: string): Promise<boolean> {
  return page.evaluate((t) => (document.body?.innerText ?? '').includes(t), text);
}

/** One simulcast encoding a page sends, by rid, from its outbound-rtp. */
export interface SentLayer {
  bytesSent: number;
  frameWidth: number;
  frameHeight: number;
  /** qualityLimitationReason ('' where the browser does not say). */
  limited: string;
}

/** What the page's open peer connections send of video, per rid (simulcast layers only). */
export async function sentByRid(page: PageReader): Promise<Record<string, SentLayer>> {
  return page.evaluate(async () => {
    const pcs = (window as unknown as { __confabPeerConnections?: RTCPeerConnection[] }).__confabPeerConnections ?? [];
    const out: Record<string, { bytesSent: number; frameWidth: number; frameHeight: number; limited: string }> = {};
    for (const pc of pcs) {
      if (pc.connectionState === 'closed') continue;
      (await pc.getStats()).forEach((s: Record<string, unknown>) => {
        if (s['type'] !== 'outbound-rtp' || s['kind'] !== 'video' || typeof s['rid'] !== 'string' || s['rid'] === '') return;
        out[s['rid']] = {
          bytesSent: Number(s['bytesSent'] ?? 0),
          frameWidth: Number(s['frameWidth'] ?? 0),
          frameHeight: Number(s['frameHeight'] ?? 0),
          limited: String(s['qualityLimitationReason'] ?? ''),
        };
      });
    }
    return out;
  });
}

/**
 * Every audio media-source, outbound-rtp and inbound-rtp of the page's open peer connections, a
 * line each with the fields that tell where sound was lost: captured silence (media-source
 * audioLevel), nothing sent, nothing received, or received and concealed.
 */
export async function audioDiagnostics(page: PageReader): Promise<string> {
  return page.evaluate(async () => {
    const pcs = (window as unknown as { __confabPeerConnections?: RTCPeerConnection[] }).__confabPeerConnections ?? [];
    const keep = ['kind', 'ssrc', 'audioLevel', 'totalAudioEnergy', 'totalSamplesDuration', 'packetsSent', 'packetsReceived',
      'packetsLost', 'packetsDiscarded', 'totalSamplesReceived', 'concealedSamples', 'silentConcealedSamples',
      'jitterBufferEmittedCount', 'jitterBufferDelay', 'trackIdentifier', 'mid'];
    const lines: string[] = [];
    for (const [i, pc] of pcs.entries()) {
      if (pc.connectionState === 'closed') continue;
      const report = await pc.getStats();
      report.forEach((s: Record<string, unknown>) => {
        const audio = s['kind'] === 'audio';
        if (!audio || !['media-source', 'outbound-rtp', 'inbound-rtp'].includes(String(s['type']))) return;
        const fields = keep.filter((k) => s[k] !== undefined).map((k) => `${k}=${String(s[k])}`);
        lines.push(`pc${i} ${String(s['type'])} ${fields.join(' ')}`);
      });
    }
    return lines.join('\n');
  });
}

/**
 * What a person does when the app says the browser blocked sound: click "Enable sound". Chromium
 * refuses to autoplay sound before the page has had a user gesture, and whether a page opened
 * straight into a room gets its <audio> playing first depends on timing (a blocked page decodes
 * every remote microphone to silence: audioLevel and totalAudioEnergy stay 0 while packets
 * arrive). True if the button was there and clicked.
 */
export async function enableSoundIfAsked(page: Page, who: string): Promise<boolean> {
  const button = page.getByRole('button', { name: 'Enable sound' });
  if (!(await button.isVisible().catch(() => false))) return false;
  await button.click();
  console.log(`[note] ${who}: the browser blocked autoplayed sound; clicked "Enable sound"`);
  return true;
}

/**
 * `viewer` hears something from `name`: the received audio level is above silence at some moment
 * (Chromium's fake microphone beeps regularly). Returns the highest level seen.
 */
export async function expectAudioEnergy(
  viewer: PageReader,
  viewerName: string,
  name: string,
  timeout = 20_000,
  speaker?: PageReader,
): Promise<number> {
  let max = 0;
  try {
    await waitFor(async () => {
      const level = pick(await remoteStats(viewer), name, 'audio')?.audioLevel ?? 0;
      max = Math.max(max, level);
      // Chromium may block autoplayed sound until a click (support/firefox.ts lets Firefox play).
      if (level === 0 && 'getByRole' in viewer) await enableSoundIfAsked(viewer as Page, viewerName);
      return level > 0;
    }, { timeout, interval: 150, message: `${viewerName} hears ${name} (audioLevel > 0)` });
  } catch (err) {
    const at = async (page: PageReader, who: string): Promise<string> =>
      `--- ${who}'s audio stats ---\n${await audioDiagnostics(page).catch((e: Error) => e.message)}`;
    const parts = [await at(viewer, viewerName)];
    if (speaker !== undefined) parts.push(await at(speaker, name));
    throw new Error(`${(err as Error).message}\n${parts.join('\n')}`);
  }
  return max;
}

/** Names in the "People" list of the side panel, sorted ("(you)" stripped). */
export async function listedPeople(page: PageReader): Promise<string[]> {
  return page.evaluate(() =>
    [...document.querySelectorAll('ul[aria-label="Participants"] .person-name')]
      .map((el) => (el.firstChild?.textContent ?? '').trim())
      .sort(),
  );
}

/** Waits until the People list of `viewer` shows exactly `names`. */
export async function expectListedPeople(page: PageReader, viewerName: string, names: string[], timeout = 15_000): Promise<void> {
  const want = [...names].sort();
  await waitFor(async () => JSON.stringify(await listedPeople(page)) === JSON.stringify(want), {
    timeout,
    message: `${viewerName}'s People list shows exactly ${want.join(', ')}`,
  });
}

/** How long a stopped track's last packets and frames may keep arriving and decoding (a loaded decoder lags). */
const SETTLE_MS = 3000;
const SETTLE_STEP_MS = 300;
/** How long a stopped track must then stand still. */
const STILL_MS = 1500;

/**
 * `name`'s microphone or camera (`kind`) at `viewer` has stopped: `fields` stop moving within SETTLE_MS (what was
 * already sent still lands and decodes), then stay unchanged for STILL_MS. A track whose stats entry
 * is gone counts as "no packets" (noted).
 */
export async function expectStandsStill(
  viewer: PageReader,
  name: string,
  kind: 'audio' | 'video',
  fields: readonly ('packetsReceived' | 'bytesReceived' | 'framesDecoded')[],
  what: string,
): Promise<void> {
  const read = async () => pick(await remoteStats(viewer), name, kind, kind === 'audio' ? 'microphone' : 'camera');
  const same = (a: RemoteTrackStats | undefined, b: RemoteTrackStats | undefined) =>
    a === undefined || b === undefined ? a === b : fields.every((f) => a[f] === b[f]);
  const settleBy = Date.now() + SETTLE_MS;
  let first = await read();
  for (;;) {
    await sleep(SETTLE_STEP_MS);
    const next = await read();
    if (same(first, next)) break;
    assert.ok(Date.now() < settleBy, `${what}: still moving ${SETTLE_MS} ms after it stopped (${fields.map((f) => `${f} ${first?.[f]} -> ${next?.[f]}`).join(', ')})`);
    first = next;
  }
  await sleep(STILL_MS);
  const later = await read();
  if (first === undefined || later === undefined) {
    console.log(`[note] ${what}: no stats entry (before=${first !== undefined}, after=${later !== undefined})`);
    assert.ok(later === undefined, `${what}: a stats entry appeared while stopped: ${JSON.stringify(later)}`);
    return;
  }
  assert.equal(later.trackId, first.trackId, `${what}: the track changed while stopped`);
  for (const f of fields) {
    const a: number | undefined = first[f];
    const b: number | undefined = later[f];
    assert.ok(a !== undefined, `${what}: ${f} is not reported`);
    measure(`stopped_${kind}_${f}_delta`, (b ?? 0) - a, `over_ms=${STILL_MS}`);
    assert.equal(b, a, `${what}: ${f} went from ${a} to ${b} in ${STILL_MS} ms once it had stopped (a stopped track must cost no bandwidth)`);
  }
}

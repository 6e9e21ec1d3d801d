/**
 * Simulcast, adaptive stream and dynacast in real Chromium: Alice publishes her camera (moving
 * 1280x720 from a .y4m made with ffmpeg) as q/h/f simulcast through the SDK; Bob and Carol receive
 * it in the web app. What they see follows the size of the tile: a thumbnail gets the low layer
 * (inbound-rtp frameHeight drops), a hidden tile gets no bytes and video again within a second of
 * showing, and a layer nobody receives stops leaving Alice's browser (its outbound-rtp stops
 * counting bytes) and comes back when someone needs it. Steps build on each other.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { ServerProcess } from '@confab/loadtest';
import { CHROMIUM_ARGS, CHROMIUM_PATH, openParticipant, uniqueRoom, type Participant } from './support/browser';
import { outboundLayers, remoteStats, tileSelector } from './support/observe';
import { measure, waitFor } from './support/wait';

const ROOM = uniqueRoom('e2e-simulcast');
let dir: string;
let server: ServerProcess;
let browser: Browser;
const people = new Map<string, Participant>();

/** A moving 1280x720 picture (ffmpeg's testsrc2), 2 s at 15 fps; Chromium loops it. */
function makeVideo(path: string): void {
  execFileSync('ffmpeg', ['-loglevel', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=1280x720:rate=15', '-t', '2', '-pix_fmt', 'yuv420p', '-y', path]);
}

function page(name: string): Page {
  const p = people.get(name);
  if (!p) throw new Error(`${name} is not here (an earlier step failed?)`);
  return p.page;
}

/** What `viewer` receives of Alice's camera (inbound-rtp through the SDK's getStats). */
async function aliceVideo(viewer: string): Promise<{ frameHeight: number; bytesReceived: number; framesDecoded: number }> {
  const stats = await remoteStats(page(viewer));
  const s = stats.find((x) => x.participantName === 'Alice' && x.kind === 'video' && x.source === 'camera');
  return { frameHeight: s?.frameHeight ?? 0, bytesReceived: s?.bytesReceived ?? 0, framesDecoded: s?.framesDecoded ?? 0 };
}

/** Layer heights as Alice's encoder makes them (Chromium may capture the file below 720p). */
const heights: Record<string, number> = {};

/**
 * Changes Alice's tile on `viewer`'s page, then waits there (polling getStats every 30 ms, so the
 * time is measured in the page, not through the test's round trips) until what the page receives of
 * Alice satisfies `until`; returns the ms it took.
 */
async function changeTileAndTime(
  viewer: string,
  how: { width: number; height: number } | 'hidden' | 'shown',
  until: { frameHeight: number } | { framesDecodedAbove: number },
  timeoutMs: number,
): Promise<number> {
  await setAliceTile(viewer, how);
  return page(viewer).evaluate(
    async ({ until, timeoutMs }) => {
      const room = (window as unknown as { confabRoom: { getStats(): Promise<{ participantName: string; kind: string; source: string; frameHeight?: number; framesDecoded?: number }[]> } }).confabRoom;
      const start = performance.now();
      while (performance.now() - start < timeoutMs) {
        const s = (await room.getStats()).find((x) => x.participantName === 'Alice' && x.kind === 'video' && x.source === 'camera');
        if ('frameHeight' in until ? s?.frameHeight === until.frameHeight : (s?.framesDecoded ?? 0) > until.framesDecodedAbove) {
          return Math.round(performance.now() - start);
        }
        await new Promise((r) => setTimeout(r, 30));
      }
      throw new Error(`not within ${timeoutMs} ms: ${JSON.stringify(until)}`);
    },
    { until, timeoutMs },
  );
}

/** Sets the size of Alice's tile on `viewer`'s page (as a layout would), or hides it. */
async function setAliceTile(viewer: string, how: { width: number; height: number } | 'hidden' | 'shown'): Promise<void> {
  await page(viewer).evaluate(
    ({ sel, how }) => {
      const tile = document.querySelector<HTMLElement>(sel);
      if (!tile) throw new Error('no tile for Alice');
      if (how === 'hidden') tile.style.display = 'none';
      else if (how === 'shown') tile.style.display = '';
      else {
        for (const el of [tile, tile.querySelector('video')!]) {
          el.style.width = `${how.width}px`;
          el.style.height = `${how.height}px`;
          el.style.maxWidth = `${how.width}px`;
          el.style.maxHeight = `${how.height}px`;
          el.style.flex = 'none';
        }
      }
    },
    { sel: tileSelector('Alice'), how },
  );
}

/** Resolves when `read()` has stopped changing for `quietMs`; returns ms from start until its last change. */
async function stopsChanging(read: () => Promise<number>, quietMs: number, timeoutMs: number): Promise<number> {
  const start = performance.now();
  let last = await read();
  let changedAt = start;
  while (performance.now() - start < timeoutMs) {
    await new Promise((r) => setTimeout(r, 100));
    const now = await read();
    if (now !== last) {
      last = now;
      changedAt = performance.now();
    } else if (performance.now() - changedAt >= quietMs) {
      return Math.round(changedAt - start);
    }
  }
  throw new Error(`still changing after ${timeoutMs} ms`);
}

function step(fn: () => Promise<void>): () => Promise<void> {
  return async () => {
    try {
      await fn();
    } catch (err) {
      const e = err instanceof Error ? err : new Error(String(err));
      e.message += `\n--- server output (last 3 KB) ---\n${server.output.join('\n').slice(-3072)}`;
      e.message += `\n--- pages ---\n${[...people.values()].map((p) => p.diagnostics()).join('\n').slice(-3072)}`;
      throw e;
    }
  };
}

describe('simulcast in the browser', { timeout: 240_000 }, () => {
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'confab-simulcast-'));
    const video = join(dir, 'moving-720p.y4m');
    makeVideo(video);
    server = await ServerProcess.start({});
    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: [...CHROMIUM_ARGS, `--use-file-for-fake-video-capture=${video}`], timeout: 60_000 });
    for (const name of ['Alice', 'Bob', 'Carol']) {
      people.set(name, await openParticipant(browser, server.httpBase, ROOM, name, { path: `/r/${ROOM}?name=${name}&prejoin=0` }));
    }
  });
  after(async () => {
    for (const p of people.values()) await p.close();
    await browser?.close().catch(() => {});
    await server?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('Alice sends three layers; Bob and Carol decode her camera', step(async () => {
    for (const viewer of ['Bob', 'Carol']) {
      await waitFor(async () => (await aliceVideo(viewer)).framesDecoded > 10, { message: `${viewer} decodes Alice`, timeout: 20_000 });
    }
    // Dynacast sends only what someone receives: Bob's tile large (f), Carol's a thumbnail (q), and
    // the default grid tile in between (h) at the start; each layer's size is read while it is sent.
    await setAliceTile('Bob', { width: 1280, height: 720 });
    await setAliceTile('Carol', { width: 160, height: 90 });
    await waitFor(async () => {
      for (const [rid, { frameHeight }] of Object.entries(await outboundLayers(page('Alice')))) if (frameHeight > 0) heights[rid] = frameHeight;
      return ['q', 'h', 'f'].every((rid) => heights[rid] !== undefined);
    }, { message: 'Alice sends q, h and f', timeout: 40_000, interval: 200 });
    console.log(`[measure] layers ${JSON.stringify(heights)}`);
    assert.ok(heights['q']! < heights['h']! && heights['h']! < heights['f']!, 'three sizes, low to high');
  }));

  test('a thumbnail gets the low layer within 2 s', step(async () => {
    // Large first, so that the switch is a real down-switch from the layer the tile had.
    const up = await changeTileAndTime('Bob', { width: 1280, height: 720 }, { frameHeight: heights['f']! }, 15_000);
    measure('large_tile_to_top_layer_ms', up);
    const ms = await changeTileAndTime('Bob', { width: 160, height: 90 }, { frameHeight: heights['q']! }, 2_000);
    measure('thumbnail_to_low_layer_ms', ms, `from=${heights['f']}p to=${heights['q']}p`);
    assert.ok(ms <= 2_000);
  }));

  test('hidden: no video bytes; visible again: video within 1 s', step(async () => {
    await setAliceTile('Carol', { width: 640, height: 360 });
    const receiving = (await aliceVideo('Carol')).bytesReceived;
    await waitFor(async () => (await aliceVideo('Carol')).bytesReceived > receiving, { message: 'Carol receives Alice before hiding' });
    await setAliceTile('Carol', 'hidden');
    const stoppedAfter = await stopsChanging(async () => (await aliceVideo('Carol')).bytesReceived, 1_500, 6_000);
    measure('hidden_to_no_bytes_ms', stoppedAfter);
    const frames = (await aliceVideo('Carol')).framesDecoded;
    const ms = await changeTileAndTime('Carol', 'shown', { framesDecodedAbove: frames }, 5_000);
    measure('visible_to_video_ms', ms);
    assert.ok(ms <= 1_000, `video within 1 s of becoming visible (${ms} ms)`);
  }));

  test('dynacast: a layer nobody receives stops leaving the publisher within 6 s, and comes back when needed', step(async () => {
    // Bob's tile large: f flows. Then both viewers show thumbnails: only q is received; f stops at Alice.
    await changeTileAndTime('Bob', { width: 1280, height: 720 }, { frameHeight: heights['f']! }, 15_000);
    await setAliceTile('Carol', { width: 160, height: 90 });
    await setAliceTile('Bob', { width: 160, height: 90 });
    const f = async () => (await outboundLayers(page('Alice')))['f']?.bytesSent ?? 0;
    const lastChange = await stopsChanging(f, 1_500, 12_000);
    measure('dynacast_layer_stop_ms', lastChange);
    assert.ok(lastChange <= 6_000, `f stopped counting bytes ${lastChange} ms after nobody needed it`);
    // Bob enlarges the tile: f is needed again and comes back.
    const sent = await f();
    const back = performance.now();
    await setAliceTile('Bob', { width: 1280, height: 720 });
    await waitFor(async () => (await f()) > sent, { message: 'f leaves Alice again', timeout: 6_000, interval: 50 });
    measure('dynacast_layer_back_ms', Math.round(performance.now() - back));
    await waitFor(async () => (await aliceVideo('Bob')).frameHeight === heights['f'], { message: 'Bob receives f again', timeout: 10_000 });
    measure('big_tile_to_top_layer_ms', Math.round(performance.now() - back));
  }));
});

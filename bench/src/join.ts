/**
 * Join benchmark: a person opens a room link (the pre-join screen skipped, `&prejoin=0`) in real
 * Chromium, and we time from the page's navigation start to every remote camera tile playing (its
 * first frame), over --joins joins into a room where --publishers others already publish their
 * camera (simulcast, three layers) and microphone. Each joiner publishes its camera too, as a person
 * would, and leaves before the next one comes. The page's own timeline (socket, messages, both peer
 * connections) says where the time went. Loopback only, like the tests:
 *
 *   unshare -n sh -c 'ip link set lo up; exec npm run -s bench:join -- --joins 20 [--json]'
 *
 * `--trace` adds the page's main-thread time by kind of work, `--cpu-profile <dir>` a CPU profile
 * of each join's page (join/pageProfile.ts), `--server-log <file>` the server's debug log.
 *
 * The others are on their own machines in a real room. Here they share the joiner's cores, so by
 * default they are headless (`--publisher-kind headless`): real VP8 from ffmpeg (testsrc2 at each
 * layer's size), sent from this process with no encoder to run, and a key frame on the next frame
 * tick when asked. `--publisher-kind browser` makes them Chromium pages with the fake camera, whose
 * encoders then compete with the joiner for the cores (at the lowest CPU priority by default,
 * `--publisher-priority low|normal`).
 */
import { createWriteStream } from 'node:fs';
import { parseArgs } from 'node:util';
import { integerOption } from './integerOption';
import { HeadlessParticipant, ServerProcess } from '@confab/loadtest';
import { vp8Frames } from '../../packages/server/src/media/recording/testing/encodedMedia';
import type { Browser, BrowserContext, CDPSession, Page } from 'playwright-core';
import { endTrace, startTrace } from './join/pageTrace';
import { endProfile, startProfile } from './join/pageProfile';
import { launchBrowser, openParticipant, uniqueRoom } from '../../e2e/support/browser';
import { pageTimings } from '../../e2e/support/observe';
import { JOIN_TIMELINE, type PageTimeline } from './join/timeline';
import { milestones, percentile } from './join/milestones';
import { launchAtLowPriority } from '../../e2e/support/lowPriority';

const { values } = parseArgs({
  options: {
    joins: { type: 'string', default: '20' },
    publishers: { type: 'string', default: '2' },
    'publisher-kind': { type: 'string', default: 'headless' },
    // Browser publishers: 'low' runs their browser at the lowest CPU priority, as if on their own machines.
    'publisher-priority': { type: 'string', default: 'low' },
    json: { type: 'boolean', default: false },
    // The server's log at debug level (key frame requests, layer choices) goes to this file.
    'server-log': { type: 'string' },
    // A Chrome trace of each join: the page's main-thread time by kind (script, style, layout, ...).
    trace: { type: 'boolean', default: false },
    // A V8 CPU profile of each join's page, written to this directory: which functions.
    'cpu-profile': { type: 'string' },
  },
});
const joins = integerOption(values, 'joins', 1, 200);
const publishers = integerOption(values, 'publishers', 1, 6);
/** A join that shows nobody within this long failed. */
const JOIN_TIMEOUT_MS = 20_000;

interface JoinResult {
  allTilesMs: number;
  firstFrameMs: Record<string, number>;
  timeline: PageTimeline;
  /** --trace: the page's main-thread self time by trace event name, ms, until every tile played. */
  mainThreadMs?: Record<string, number>;
}

const publisherKind = values['publisher-kind'];
const publisherPriority = values['publisher-priority'];
if (publisherKind !== 'headless' && publisherKind !== 'browser') {
  console.error('--publisher-kind: headless or browser');
  process.exit(2);
}
if (publisherPriority !== 'low' && publisherPriority !== 'normal') {
  console.error('--publisher-priority: low or normal');
  process.exit(2);
}

/** Someone already in the room, publishing; `close` leaves. */
interface Publisher {
  name: string;
  close(): Promise<unknown>;
}

const serverLog = values['server-log'] ? createWriteStream(values['server-log']) : undefined;
const server = await ServerProcess.start(serverLog ? { logLevel: 'debug', onLine: (line) => serverLog.write(`${line}\n`) } : {});
const publisherBrowser = publisherKind === 'headless' ? undefined : publisherPriority === 'low' ? await launchAtLowPriority(() => launchBrowser()) : await launchBrowser();
const browser = await launchBrowser();
const room = uniqueRoom('bench-join');
const others: Publisher[] = [];
const results: JoinResult[] = [];
try {
  for (let i = 0; i < publishers; i++) {
    const name = `Publisher ${i + 1}`;
    others.push(publisherBrowser ? await openParticipant(publisherBrowser, server.httpBase, room, name) : await headlessPublisher(name));
  }
  const names = others.map((p) => p.name);
  await joinOnce(browser, names, 'Warm-up'); // the server's and the browser's first join pay for loading code
  for (let i = 0; i < joins; i++) {
    const result = await joinOnce(browser, names, `Joiner ${i + 1}`);
    results.push(result);
    if (!values.json) console.log(`join ${i + 1}: every tile playing after ${Math.round(result.allTilesMs)} ms; long tasks ${result.timeline.longTasks.map(([at, ms]) => `${at}+${ms}`).join(' ')}${result.timeline.errors.map((e) => `; server error ${e}`).join('')}`);
  }
} finally {
  for (const p of others) await p.close();
  await browser.close().catch(() => {});
  await publisherBrowser?.close().catch(() => {});
  await server.stop();
}
report(results);
process.exit(0); // the headless publishers' peer connections may leave timers behind

async function joinOnce(browser: Browser, names: string[], name: string): Promise<JoinResult> {
  let cdp: CDPSession | undefined;
  let profiler: CDPSession | undefined;
  const profileDir = values['cpu-profile'];
  const beforeGoto =
    values.trace || profileDir !== undefined
      ? async (page: Page, context: BrowserContext): Promise<void> => {
          if (values.trace) await startTrace((cdp = await context.newCDPSession(page)));
          if (profileDir !== undefined) await startProfile((profiler = await context.newCDPSession(page)));
        }
      : undefined;
  const joiner = await openParticipant(browser, server.httpBase, room, name, { initScript: JOIN_TIMELINE, waitForState: 'none', beforeGoto });
  try {
    const deadline = Date.now() + JOIN_TIMEOUT_MS;
    for (;;) {
      const timings = await pageTimings(joiner.page);
      const firstFrameMs = Object.fromEntries(names.map((n) => [n, timings.firstFrame[`${n}|camera`]]).filter(([, at]) => at !== undefined)) as Record<string, number>;
      if (Object.keys(firstFrameMs).length === names.length) {
        const mainThreadMs = cdp ? await endTrace(cdp) : undefined;
        if (profiler && profileDir !== undefined) await endProfile(profiler, profileDir, name);
        return { allTilesMs: Math.max(...Object.values(firstFrameMs)), firstFrameMs, timeline: await timeline(joiner.page), ...(mainThreadMs ? { mainThreadMs } : {}) };
      }
      if (Date.now() > deadline) throw new Error(`${name} saw ${Object.keys(firstFrameMs).join(', ') || 'nobody'} of ${names.join(', ')} within ${JOIN_TIMEOUT_MS} ms\n${joiner.diagnostics()}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  } finally {
    await joiner.close();
    // Let the server see the leave before the next person comes.
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** A publisher without a browser: camera (three simulcast layers of real VP8) and microphone. */
async function headlessPublisher(name: string): Promise<Publisher> {
  const participant = new HeadlessParticipant({ url: server.rtcUrl, room, name });
  await participant.join();
  await participant.publishMicrophone();
  await participant.publishCamera({ simulcast: true, bitrate: 1_500_000, width: 1280, height: 720, recording: recordedCamera });
  return { name, close: () => participant.leave() };
}

/** 10 s of testsrc2 at a layer's size, ~0.05 bits per pixel as browsers send a camera, a key frame every 2 s. */
function recordedCamera(width: number, height: number): ReturnType<typeof vp8Frames> {
  return vp8Frames(10, 60, `${width}x${height}`, `${Math.round((width * height * 30 * 0.054) / 1000)}k`);
}

function timeline(page: Page): Promise<PageTimeline> {
  return page.evaluate(() => (window as unknown as { __joinTimeline: PageTimeline }).__joinTimeline);
}

function report(list: JoinResult[]): void {
  const totals = list.map((r) => r.allTilesMs);
  const summary = {
    joins: list.length,
    publishers,
    publisher_kind: publisherKind,
    ...(publisherKind === 'browser' ? { publisher_priority: publisherPriority } : {}),
    join_to_all_tiles_p50_ms: Math.round(percentile(totals, 0.5)),
    join_to_all_tiles_p95_ms: Math.round(percentile(totals, 0.95)),
    join_to_all_tiles_max_ms: Math.round(Math.max(...totals)),
  };
  const steps = milestones(list.map((r) => r.timeline));
  if (values.json) {
    console.log(JSON.stringify({ summary, milestones: steps, joins: list }, null, 2));
    return;
  }
  const who = publisherKind === 'browser' ? `in Chromium at ${publisherPriority} priority` : 'headless';
  console.log(`\nnavigation start → every remote tile playing, ${list.length} joins, ${publishers} publishers in the room (${who}):`);
  console.log(`  p50 ${summary.join_to_all_tiles_p50_ms} ms, p95 ${summary.join_to_all_tiles_p95_ms} ms, max ${summary.join_to_all_tiles_max_ms} ms`);
  console.log('\nwhere the time went (ms after navigation start, median over the joins):');
  for (const [step, ms] of Object.entries(steps)) console.log(`  ${step.padEnd(40)} ${ms}`);
  const traced = list.flatMap((r) => (r.mainThreadMs ? [r.mainThreadMs] : []));
  if (traced.length === 0) return;
  console.log(`\nthe page's main thread until every tile played (self time by trace event, ms, mean of ${traced.length} joins):`);
  const names = [...new Set(traced.flatMap((t) => Object.keys(t)))];
  const means = names.map((n) => [n, traced.reduce((sum, t) => sum + (t[n] ?? 0), 0) / traced.length] as const).sort((a, b) => b[1] - a[1]);
  for (const [n, ms] of means.slice(0, 25)) console.log(`  ${n.padEnd(40)} ${ms.toFixed(1)}`);
}


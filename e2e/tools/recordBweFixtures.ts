/**
 * Records transport-cc sequences from a real Chromium subscriber for the estimator's replay tests
 * (packages/wire/src/bwe/fixtures/*.json). Not a test: run by hand, as root, after `npm run build`:
 *
 *   ffmpeg -f lavfi -i "testsrc2=s=1280x720:r=30,noise=alls=25:allf=t+u" -t 2 -pix_fmt yuv420p /tmp/bwe-720p.y4m
 *   BWE_Y4M=/tmp/bwe-720p.y4m unshare -n sh -c 'ip link set lo up; exec node --import tsx e2e/tools/recordBweFixtures.ts cap|loss'
 *
 * One server runs in this process (media on the main thread, so the recorder can watch every
 * subscriber's SubscriberBandwidth); Alice and Bob join with the web app; what the server sends to
 * Bob's subscribing connection is impaired in phases (tc tbf cap / nftables loss, see
 * ../support/linkCap.ts). Every packet numbered for Bob (send time, size, probe cluster) and every
 * report he sent back (raw bytes, and how many packets had been sent when it arrived) is written.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '@confab/loadtest';
import { TwccFeedback, TwccSymbol } from '@confab/wire';
import { createLogger, loadConfig, startNode } from '../../packages/server/src/index';
import { SubscriberBandwidth } from '../../packages/server/src/media/sfu/SubscriberBandwidth';
import { chromium } from 'playwright-core';
import { CHROMIUM_ARGS, CHROMIUM_PATH, openParticipant, uniqueRoom } from '../support/browser';
import { LinkCap, subscriberUdpPort } from '../support/linkCap';
import { PC_RECORDER } from '../support/network';
import { expectTilePlaying } from '../support/observe';
import { sleep } from '../support/wait';

interface Recording {
  sends: number[][];
  reports: Array<[number, number, string]>;
  estimates: Array<[number, number]>;
}

type Phase = [seconds: number, what: string, apply: (link: LinkCap) => Promise<void>];
const SCENARIOS: Record<string, { description: string; phases: Phase[] }> = {
  cap: {
    description: 'clean 20 s, then capped at 400 kbps (tbf) for 15 s, then lifted for 20 s',
    phases: [
      [20, 'clean', async () => {}],
      [15, 'cap 400 kbps', (l) => l.cap(400)],
      [20, 'cap lifted', (l) => l.uncap()],
    ],
  },
  loss: {
    description: 'clean 15 s, 3% random loss 15 s, a 25% loss burst 3 s, clean 12 s',
    phases: [
      [15, 'clean', async () => {}],
      [15, 'loss 3%', (l) => l.loss(3)],
      [3, 'loss 25%', (l) => l.loss(25)],
      [12, 'clean', (l) => l.loss(0)],
    ],
  },
};

const scenarioName = process.argv[2] ?? 'cap';
const scenario = SCENARIOS[scenarioName];
if (scenario === undefined) throw new Error(`scenario: one of ${Object.keys(SCENARIOS).join(', ')}`);

const recordings = new Map<SubscriberBandwidth, Recording>();
let origin = NaN;
const rel = (ms: number) => Math.round((ms - origin) * 100) / 100;
const recordingOf = (bw: SubscriberBandwidth): Recording => {
  let r = recordings.get(bw);
  if (r === undefined) recordings.set(bw, (r = { sends: [], reports: [], estimates: [] }));
  return r;
};
type Internals = { estimator: import('@confab/wire').SendSideEstimator | null };
const sendNow = SubscriberBandwidth.prototype.sendNow;
SubscriberBandwidth.prototype.sendNow = function (slot, length, cluster, nowMs) {
  const history = (this as unknown as Internals).estimator?.history;
  const before = history?.sent ?? 0;
  const n = sendNow.call(this, slot, length, cluster, nowMs);
  if (history !== undefined && history.sent > before) {
    if (Number.isNaN(origin)) origin = performance.now();
    const at = history.slotOf((history.nextSeq - 1) & 0xffff);
    recordingOf(this).sends.push([rel(history.sendTimeAt(at)), history.sizeAt(at), cluster]);
  }
  return n;
};
const onFeedback = SubscriberBandwidth.prototype.onFeedback;
SubscriberBandwidth.prototype.onFeedback = function (buf, at, end, nowMs) {
  onFeedback.call(this, buf, at, end, nowMs);
  const estimator = (this as unknown as Internals).estimator;
  if (estimator === null || Number.isNaN(origin)) return;
  const r = recordingOf(this);
  r.reports.push([rel(nowMs), estimator.history.sent, buf.toString('hex', at, end)]);
  r.estimates.push([rel(nowMs), Math.round(estimator.estimate)]);
};

const config = loadConfig({ ...process.env, CONFAB_PORT: '18480', CONFAB_HOST: '127.0.0.1', CONFAB_MEDIA_WORKERS: '0', CONFAB_MEDIA_ENGINE: 'sfu', CONFAB_LOG_LEVEL: 'warn' });
const { server, address } = await startNode(config, createLogger(config.logLevel, config.nodeId));
const base = `http://127.0.0.1:${address.port}`;
// A moving, noisy 720p source (ffmpeg testsrc2 + noise) so the camera sends megabits, not the fake device's ~300 kbps.
const y4m = process.env['BWE_Y4M'];
const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: [...CHROMIUM_ARGS, ...(y4m ? [`--use-file-for-fake-video-capture=${y4m}`] : [])] });
const room = uniqueRoom('bwe-rec');
const alice = await openParticipant(browser, base, room, 'Alice', { initScript: PC_RECORDER });
const bob = await openParticipant(browser, base, room, 'Bob', { initScript: PC_RECORDER });
await expectTilePlaying(bob.page, 'Bob', 'Alice');
const link = new LinkCap(await subscriberUdpPort(bob.page));
const marks: Array<[number, string]> = [];
const startAt = performance.now();
try {
  for (const [seconds, what, apply] of scenario.phases) {
    await apply(link);
    marks.push([rel(performance.now()), what]);
    console.log(`${((performance.now() - startAt) / 1000).toFixed(1)} s: ${what}`);
    await sleep(seconds * 1000);
  }
} finally {
  await link.clear();
}
const candidates = [...recordings.values()].filter((r) => r.reports.length > 0);
const impairedFrom = marks[1]![0];
const impairedTo = marks[2]![0];
// Bob's is the one that lost packets while his link was impaired.
const lostIn = (r: Recording) => {
  const fb = new TwccFeedback(8192);
  let lost = 0;
  for (const [t, , hex] of r.reports) {
    const packet = Buffer.from(hex, 'hex');
    if (t < impairedFrom || t >= impairedTo || !fb.read(packet, 0, packet.length)) continue;
    for (let i = 0; i < fb.statusCount; i++) if (fb.symbols[i] === TwccSymbol.NotReceived) lost++;
  }
  return lost;
};
candidates.sort((a, b) => lostIn(b) - lostIn(a));
console.log(`reported lost while impaired, per subscriber: ${candidates.map(lostIn).join(', ')}`);
const bobs = candidates[0]!;
const chromiumVersion = browser.version();
const fixture = {
  description: `Chromium ${chromiumVersion} subscriber (web app, fake camera), Alice publishing; ${scenario.description}. Times in ms from the first packet sent.`,
  phases: marks,
  /** [send ms, size incl. SRTP tag, probe cluster or -1], in transport-wide sequence order from 0. */
  sends: bobs.sends,
  /** [arrived ms, packets sent before it arrived, the RTPFB FMT 15 packet as hex]. */
  reports: bobs.reports,
  /** What the server's estimator said live after each report (for reference; tests replay their own). */
  estimates: bobs.estimates,
};
const file = join(REPO_ROOT, 'packages/wire/src/bwe/fixtures', `chromium-${scenarioName}.json`);
writeFileSync(file, JSON.stringify(fixture) + '\n');
console.log(`wrote ${file}: ${bobs.sends.length} packets, ${bobs.reports.length} reports; estimates (kbps) every 2 s:`);
console.log(bobs.estimates.filter((_, i) => i % 40 === 0).map(([t, v]) => `${(t / 1000).toFixed(0)}s:${Math.round(v / 1000)}`).join(' '));
await alice.close();
await bob.close();
await browser.close();
await server.shutdown();
process.exit(0);

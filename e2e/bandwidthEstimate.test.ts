/**
 * The server's send-side bandwidth estimate towards a real Chromium subscriber follows its link:
 * Alice publishes a moving, noisy 720p camera (a .y4m made with ffmpeg, so she sends megabits);
 * Bob watches. What the server sends to Bob's subscribing connection is capped at 400 kbps with
 * tc tbf (./support/linkCap.ts); his estimate (transport-cc feedback from his Chromium, read by
 * our estimator) must drop below the cap within a few seconds while Alice's stays above it, and
 * climb back above it after the cap is lifted. The estimate is read from the server's debug log
 * ("bandwidth estimate", one line per change of more than 5%, labelled with the participant id).
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, test } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import { ServerProcess } from '@confab/loadtest';
import { CHROMIUM_ARGS, CHROMIUM_PATH, openParticipant, uniqueRoom, type Participant } from './support/browser';
import { LinkCap, subscriberUdpPort } from './support/linkCap';
import { PC_RECORDER } from './support/network';
import { expectTilePlaying } from './support/observe';
import { measure, sleep, waitFor } from './support/wait';

const CAP = 400_000;
const ROOM = uniqueRoom('e2e-bwe');

/** The newest estimate per transport label (participant id), from the server's debug log lines seen so far. */
class EstimateLog {
  readonly latest = new Map<string, number>();
  readonly history = new Map<string, Array<[number, number]>>();
  private readonly seen = new Set<string>();

  constructor(private readonly server: ServerProcess) {}

  read(): Map<string, number> {
    for (const line of this.server.output) {
      if (this.seen.has(line) || !line.includes('"bandwidth estimate"')) continue;
      this.seen.add(line);
      try {
        const entry = JSON.parse(line) as { transport?: string; bps?: number };
        if (typeof entry.transport !== 'string' || typeof entry.bps !== 'number') continue;
        this.latest.set(entry.transport, entry.bps);
        const list = this.history.get(entry.transport) ?? [];
        list.push([Date.now(), entry.bps]);
        this.history.set(entry.transport, list);
      } catch {
        // not one of ours
      }
    }
    return this.latest;
  }

  /** Polls until some transport's estimate passes `test`; returns its label. */
  async until(test: (bps: number, label: string) => boolean, timeout: number, message: string): Promise<string> {
    let found = '';
    await waitFor(
      async () => {
        for (const [label, bps] of this.read()) {
          if (test(bps, label)) {
            found = label;
            return true;
          }
        }
        return false;
      },
      { timeout, interval: 200, message },
    );
    return found;
  }
}

let server: ServerProcess;
let browser: Browser;
let dir: string;
let alice: Participant;
let bob: Participant;

describe('the send-side bandwidth estimate in Chromium', { timeout: 180_000 }, () => {
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'confab-bwe-'));
    const y4m = join(dir, 'moving-720p.y4m');
    await promisify(execFile)('ffmpeg', ['-loglevel', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=s=1280x720:r=30,noise=alls=25:allf=t+u', '-t', '2', '-pix_fmt', 'yuv420p', y4m]);
    server = await ServerProcess.start({ logLevel: 'debug', env: { CONFAB_MEDIA_ENGINE: 'sfu' } });
    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: [...CHROMIUM_ARGS, `--use-file-for-fake-video-capture=${y4m}`], timeout: 60_000 });
    alice = await openParticipant(browser, server.httpBase, ROOM, 'Alice', { initScript: PC_RECORDER });
    // A big window, so Alice's tile asks for her top simulcast layer (megabits), not the 360p one.
    bob = await openParticipant(browser, server.httpBase, ROOM, 'Bob', { initScript: PC_RECORDER, contextOptions: { viewport: { width: 1920, height: 1280 } } });
    await expectTilePlaying(bob.page, 'Bob', 'Alice');
  });
  after(async () => {
    await alice?.close();
    await bob?.close();
    await browser?.close().catch(() => {});
    await server?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test("Bob's estimate drops below a 400 kbps cap on his link and recovers when it is lifted", async () => {
    const log = new EstimateLog(server);
    try {
      const bobId = joinedSecond(server);
      // Alice's camera ramps up (her own Chromium's estimate towards us) until Bob receives well
      // above the cap; only then can a cap congest anything. His estimate is above it by then.
      const rampAt = Date.now();
      await waitFor(async () => (await inboundVideoBps(bob.page)) > 2 * CAP, { timeout: 60_000, interval: 500, message: `Bob receiving video above ${2 * CAP} bps` });
      measure('bwe_media_ramp_ms', Date.now() - rampAt);
      await log.until((bps, label) => label === bobId && bps > CAP, 10_000, `Bob's estimate above ${CAP}`);
      const link = new LinkCap(await subscriberUdpPort(bob.page));
      try {
        const capAt = Date.now();
        await link.cap(CAP / 1000);
        await log.until((bps, label) => label === bobId && bps < CAP, 10_000, `Bob's estimate below ${CAP} within 10 s of the cap`);
        measure('bwe_below_cap_ms', Date.now() - capAt, `cap=${CAP}`);
        await sleep(3000);
        const alice = log.latest.get([...log.latest.keys()].find((label) => label !== bobId) ?? '');
        if (alice !== undefined) assert.ok(alice > CAP, `Alice's estimate (her link is not capped) stays above the cap: ${alice}`);
        const liftAt = Date.now();
        await link.uncap();
        await log.until((bps, label) => label === bobId && bps > 2 * CAP, 20_000, `Bob's estimate above ${2 * CAP} within 20 s of lifting the cap`);
        measure('bwe_recovered_ms', Date.now() - liftAt, `above=${2 * CAP}`);
      } finally {
        await link.clear();
      }
    } catch (err) {
      (err as Error).message += `\nestimates: ${JSON.stringify([...log.history])}\n--- server output (last 3 KB) ---\n${server.output.join('\n').slice(-3072)}`;
      throw err;
    }
  });
});

/** Video bits/s the page receives, over one second. */
async function inboundVideoBps(page: Page): Promise<number> {
  const bytes = () =>
    page.evaluate(async () => {
      const pcs = (window as unknown as { __e2ePeerConnections: RTCPeerConnection[] }).__e2ePeerConnections ?? [];
      let total = 0;
      for (const pc of pcs) {
        if (pc.connectionState === 'closed') continue;
        (await pc.getStats()).forEach((s: { type: string; kind?: string; bytesReceived?: number }) => {
          if (s.type === 'inbound-rtp' && s.kind === 'video') total += s.bytesReceived ?? 0;
        });
      }
      return total;
    });
  const before = await bytes();
  await sleep(1000);
  return ((await bytes()) - before) * 8;
}

/** The participant id of the second to join (Bob), from the server's log. */
function joinedSecond(server: ServerProcess): string {
  for (const line of server.output) {
    if (!line.includes('"participant joined"')) continue;
    const entry = JSON.parse(line) as { participant: string; size: number };
    if (entry.size === 2) return entry.participant;
  }
  throw new Error('no "participant joined" line with size 2 in the server log');
}

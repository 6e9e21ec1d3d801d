/**
 * The impairment harness proves itself: two people, each in a Chromium inside a network namespace
 * of their own (veth to the server's). Alice sends moving 720p video from a y4m file. Bob's
 * downlink capped with tbf at 200 kbit/s really carries no more than that (his received bitrate,
 * from getStats), and 10 % random loss with nftables really loses about 10 % of his packets
 * (audio: nothing retransmits it). Both measured before and after, so neither can pass by accident.
 * Alice meanwhile sees Bob's connection quality bars drop under the loss, and come back after.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { ServerProcess } from '@confab/loadtest';
import { openParticipant, uniqueRoom, type Participant } from './support/browser';
import { canImpair, launchParticipantBrowser, LinkShaper, movingVideo, NetNamespace, SERVER_ADDRESS } from './support/impair/index';
import { sleep, waitFor } from './support/wait';

// Under what Bob's tile asks for (the 360p layer, ~500 kbit/s, for a half-window tile).
const CAP_KBIT = 200;
const LOSS_PERCENT = 10;
const WINDOW_MS = 6000;

const skip = await canImpair();
let server: ServerProcess;
const namespaces: NetNamespace[] = [];
const browsers: Browser[] = [];
const people: Participant[] = [];

interface Inbound {
  at: number;
  videoBytes: number;
  audioReceived: number;
  audioLost: number;
}

/** Bob's inbound counters over every peer connection his page made (INIT_SCRIPT keeps them). */
async function inbound(page: Page): Promise<Inbound> {
  return page.evaluate(async () => {
    const pcs = (window as unknown as { __confabPeerConnections: RTCPeerConnection[] }).__confabPeerConnections;
    const total = { at: performance.timeOrigin + performance.now(), videoBytes: 0, audioReceived: 0, audioLost: 0 };
    for (const pc of pcs) {
      if (pc.connectionState === 'closed') continue;
      (await pc.getStats()).forEach((s: { type: string; kind?: string; bytesReceived?: number; packetsReceived?: number; packetsLost?: number }) => {
        if (s.type !== 'inbound-rtp') return;
        if (s.kind === 'video') total.videoBytes += s.bytesReceived ?? 0;
        if (s.kind === 'audio') {
          total.audioReceived += s.packetsReceived ?? 0;
          total.audioLost += s.packetsLost ?? 0;
        }
      });
    }
    return total;
  });
}

/** The quality bars on Bob's camera tile in `page` (the server's connection_quality for him). */
async function bobQualityAsAliceSees(page: Page): Promise<string | null> {
  return page.evaluate(() => document.querySelector('.tile[data-participant-name="Bob"][data-source="camera"] .quality')?.getAttribute('data-quality') ?? null);
}

/** Received video kbit/s and audio loss over the next `ms`. */
async function measure(page: Page, ms: number): Promise<{ kbps: number; loss: number; packets: number }> {
  const a = await inbound(page);
  await sleep(ms);
  const b = await inbound(page);
  const received = b.audioReceived - a.audioReceived;
  const lost = b.audioLost - a.audioLost;
  return { kbps: ((b.videoBytes - a.videoBytes) * 8) / (b.at - a.at), loss: lost / Math.max(1, received + lost), packets: received + lost };
}

before(async () => {
  if (skip) return;
  namespaces.push(await NetNamespace.create(1), await NetNamespace.create(2));
  const video = await movingVideo();
  const [started] = await Promise.all([
    ServerProcess.start({ env: { CONFAB_HOST: '0.0.0.0', CONFAB_PUBLIC_IP: SERVER_ADDRESS }, readyTimeoutMs: 90_000 }),
  ]);
  server = started!;
  const origin = `http://${SERVER_ADDRESS}:${server.port}`;
  browsers.push(
    await launchParticipantBrowser({ namespace: namespaces[0], videoFile: video, serverOrigin: origin }),
    await launchParticipantBrowser({ namespace: namespaces[1], serverOrigin: origin }),
  );
});

after(async () => {
  for (const p of people) await p.close();
  for (const b of browsers) await b.close().catch(() => {});
  await server?.stop();
  for (const ns of namespaces) await ns.close();
});

test('a tbf cap limits what a participant receives; nftables loss drops about that share', { skip: skip ?? false, timeout: 180_000 }, async () => {
  const room = uniqueRoom('impair');
  const origin = `http://${SERVER_ADDRESS}:${server.port}`;
  for (const [i, name] of ['Alice', 'Bob'].entries()) {
    people.push(await openParticipant(browsers[i]!, origin, room, name, { path: `/r/${room}?name=${name}&prejoin=0`, timeout: 60_000 }));
  }
  const alice = people[0]!.page;
  const bob = people[1]!.page;
  const shaper = new LinkShaper(namespaces[1]!);
  // Alice's encoder climbs as her estimate grows; wait until Bob gets well over the cap.
  const rates: number[] = [];
  const free = await waitFor(
    async () => {
      const m = await measure(bob, 2000);
      rates.push(Math.round(m.kbps));
      if (rates.length % 5 === 0) console.log(`[harness] Bob receives ${rates.slice(-5).join(', ')} kbit/s of video`);
      return m.kbps > CAP_KBIT * 1.75 ? m : null;
    },
    { timeout: 60_000, interval: 0, message: `Bob receiving over ${CAP_KBIT * 1.75} kbit/s uncapped` },
  );
  const lossless = await measure(bob, WINDOW_MS);
  await shaper.loss(LOSS_PERCENT, 'down');
  // Meanwhile Alice sees Bob's connection quality drop (the server reads his receiver reports).
  const degraded = waitFor(async () => {
    const q = await bobQualityAsAliceSees(alice);
    return q === 'good' || q === 'poor' ? q : null;
  }, { timeout: 10_000, interval: 200, message: "Bob's quality bars to drop on Alice's page" });
  const lossy = await measure(bob, 10_000);
  const qualityUnderLoss = await degraded;
  await shaper.clearLoss();
  await shaper.cap('down', CAP_KBIT);
  await sleep(2000); // the queue drains to the new rate
  const capped = await measure(bob, WINDOW_MS);
  await shaper.clear();
  let lastQuality: string | null = null;
  const recovered = await waitFor(
    async () => {
      lastQuality = await bobQualityAsAliceSees(alice);
      return lastQuality === 'excellent' ? lastQuality : null;
    },
    { timeout: 20_000, interval: 250, message: "Bob's quality bars back to excellent on Alice's page" },
  ).catch((err: Error) => {
    throw new Error(`${err.message} (they show ${lastQuality})`);
  });
  const paths = await bob.evaluate(async () => {
    const out: string[] = [];
    for (const pc of (window as unknown as { __confabPeerConnections: RTCPeerConnection[] }).__confabPeerConnections) {
      const stats = await pc.getStats();
      stats.forEach((s: { type: string; nominated?: boolean; state?: string; localCandidateId?: string; remoteCandidateId?: string }) => {
        if (s.type !== 'candidate-pair' || s.state !== 'succeeded' || !s.nominated) return;
        const l = stats.get(s.localCandidateId!) as { protocol?: string; address?: string; port?: number };
        const r = stats.get(s.remoteCandidateId!) as { protocol?: string; address?: string; port?: number };
        out.push(`${l.protocol} ${l.address}:${l.port} -> ${r.address}:${r.port}`);
      });
    }
    return out;
  });
  console.log(`[harness] Bob's media paths: ${paths.join('; ')}`);
  console.log(
    `[measure] harness_uncapped_kbps=${Math.round(free.kbps)} harness_capped_kbps=${Math.round(capped.kbps)} ` +
      `harness_loss_off=${(lossless.loss * 100).toFixed(1)}% harness_loss_on=${(lossy.loss * 100).toFixed(1)}% (of ${lossy.packets} audio packets) ` +
      `bob_quality_under_loss=${qualityUnderLoss} after=${recovered}`,
  );
  // Video payload under the IP-level cap (audio, headers and RTCP share it).
  assert.ok(capped.kbps < CAP_KBIT, `capped at ${CAP_KBIT} kbit/s, Bob still received ${Math.round(capped.kbps)} kbit/s of video`);
  assert.ok(lossless.loss < 0.02, `without the loss rule Bob lost ${(lossless.loss * 100).toFixed(1)}%`);
  assert.ok(lossy.packets >= 300, `too few audio packets to judge (${lossy.packets})`);
  assert.ok(lossy.loss > LOSS_PERCENT / 200 && lossy.loss < (LOSS_PERCENT * 1.7) / 100, `${LOSS_PERCENT}% random loss dropped ${(lossy.loss * 100).toFixed(1)}%`);
});

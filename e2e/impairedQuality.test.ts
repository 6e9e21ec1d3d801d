/**
 * What a viewer on a weak link sees, in real Chromium, each person in a network namespace of
 * their own (support/impair), so that one link is impaired alone:
 * - a capped subscriber: Bob's downlink capped at 400 kbit/s (tc tbf) while he watches Alice's and
 *   Carol's cameras (moving 720p, q/h/f simulcast). He drops to a lower layer within 2 s with no
 *   picture standing still for over 500 ms; Alice and Carol, uncapped, keep each other's top
 *   layer; lifted, Bob is back on the top layer within 10 s. Two 180p layers (~190 kbit/s each
 *   with headers) barely fit 400 kbit/s: where the second does not, the web app labels it "Paused
 *   for bandwidth" (issue 12's allocation rule), which is not a freeze; nor is a stretch the
 *   uncapped viewer of the same camera saw too (its publisher starved of the shared cores);
 * - loss: 3 % random loss on Bob's downlink (nftables) for 60 s: he decodes at least 90 % of the
 *   frames Alice's camera makes, with at most one freeze (by Chromium's rule) that the link made,
 *   not Alice's encoder or Bob's own Chromium on the shared cores;
 * - screen share and cameras under a 1 Mbit/s cap: Bob gets the screen at full detail (the size
 *   Alice sends it) and the cameras on low layers (one may be labelled "Paused for bandwidth" when
 *   even that does not fit beside the screen, never frozen unlabelled).
 * Times are the pages' own (requestVideoFrameCallback, support/frameRecorder.ts). The people
 * who only watch keep camera and microphone off, and the cameras are published without audio:
 * at 400 kbit/s two Opus streams with their headers would take a third of the link, and what is
 * proven here is the video.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { ServerProcess } from '@confab/loadtest';
import { openParticipant, uniqueRoom, type Participant } from './support/browser';
import { chromiumFreezes, firstFrameWhere, FRAME_RECORDER, framesSince, freezes, longestStill, pageNow, pausesOf, type Frame, type Pause } from './support/frameRecorder';
import { canImpair, launchParticipantBrowser, LinkShaper, movingVideo, NetNamespace, runAtRealtimePriority, SERVER_ADDRESS } from './support/impair/index';
import { sentByRid, type Source } from './support/observe';
import { receiving, traceChanges } from './support/receiveTrace';
import { clickScreenShare, setTile } from './support/ui';
import { measure, sleep, waitFor } from './support/wait';

const skip = await canImpair();
let server: ServerProcess;
let origin: string;
let video: string;
const namespaces: NetNamespace[] = [];

interface Person {
  name: string;
  page: Page;
  browser: Browser;
  participant: Participant;
}

/** Everyone a test opened, closed after it whatever happened. */
const opened: Person[] = [];

async function closeEveryone(): Promise<void> {
  for (const p of opened.splice(0)) {
    await p.participant.close();
    await p.browser.close().catch(() => {});
  }
}

/**
 * `name` joins `room` from a Chromium in namespace `ns`, publishing the moving 720p camera or
 * nothing, in a window large enough that every remote tile asks for the top layer.
 */
async function join(room: string, name: string, ns: NetNamespace, camera: boolean): Promise<Person> {
  const browser = await launchParticipantBrowser({ namespace: ns, serverOrigin: origin, ...(camera ? { videoFile: video } : {}) });
  const prefs = `localStorage.setItem('confab.cameraOn', '${camera ? 1 : 0}'); localStorage.setItem('confab.microphoneOn', '0');`;
  const participant = await openParticipant(browser, origin, room, name, {
    initScript: prefs + FRAME_RECORDER,
    contextOptions: { viewport: { width: 1920, height: 1280 } },
    timeout: 60_000,
  });
  const person = { name, page: participant.page, browser, participant };
  opened.push(person);
  return person;
}

/** Alice and Carol publish their cameras; Bob, whose link is the one impaired, only watches. */
async function threePeople(prefix: string): Promise<{ alice: Person; carol: Person; bob: Person; bobLink: NetNamespace }> {
  const room = uniqueRoom(prefix);
  const [n1, n2, n3] = namespaces as [NetNamespace, NetNamespace, NetNamespace];
  const alice = await join(room, 'Alice', n1, true);
  const carol = await join(room, 'Carol', n3, true);
  const bob = await join(room, 'Bob', n2, false);
  return { alice, carol, bob, bobLink: n2 };
}

/** The heights `publisher` encodes per rid now (Chromium may capture or adapt below 720p). */
async function layerHeights(publisher: Person): Promise<{ q: number; h: number; f: number }> {
  const sent = await sentByRid(publisher.page);
  return { q: sent['q']?.frameHeight ?? 0, h: sent['h']?.frameHeight ?? 0, f: sent['f']?.frameHeight ?? 0 };
}

/** The height of the last frame `viewer` presented of `name`'s tile (0: none yet). */
async function lastHeight(viewer: Person, name: string, source: Source = 'camera'): Promise<number> {
  const frames = await framesSince(viewer.page, name, (await pageNow(viewer.page)) - 1000, source);
  return frames.at(-1)?.[1] ?? 0;
}

/** Waits until `viewer` presents `name`'s camera on the top layer (as tall as the publisher encodes it). */
async function onTopLayer(viewer: Person, publisher: Person, timeout: number): Promise<void> {
  let seen = 0;
  let layers = { q: 0, h: 0, f: 0 };
  await waitFor(
    async () => {
      layers = await layerHeights(publisher);
      seen = await lastHeight(viewer, publisher.name);
      return layers.f > 0 && seen >= layers.f;
    },
    { timeout, interval: 250, message: `${viewer.name} shows ${publisher.name}'s camera on the top layer` },
  ).catch((err: Error) => {
    throw new Error(`${err.message}: presents ${seen}p, ${publisher.name} encodes ${JSON.stringify(layers)}`);
  });
}

/** Inbound video counters of `viewer`'s page, summed over its peer connections. */
async function inboundVideo(viewer: Person): Promise<{ framesDecoded: number; freezeCount: number; freezesMs: number; framesDropped: number; packetsLost: number; nacks: number; plis: number }> {
  return viewer.page.evaluate(async () => {
    const total = { framesDecoded: 0, freezeCount: 0, freezesMs: 0, framesDropped: 0, packetsLost: 0, nacks: 0, plis: 0 };
    for (const pc of (window as unknown as { __confabPeerConnections: RTCPeerConnection[] }).__confabPeerConnections) {
      if (pc.connectionState === 'closed') continue;
      (await pc.getStats()).forEach((s: Record<string, unknown>) => {
        if (s['type'] !== 'inbound-rtp' || s['kind'] !== 'video') return;
        total.framesDecoded += Number(s['framesDecoded'] ?? 0);
        total.freezeCount += Number(s['freezeCount'] ?? 0);
        total.freezesMs += Number(s['totalFreezesDuration'] ?? 0) * 1000;
        total.framesDropped += Number(s['framesDropped'] ?? 0);
        total.packetsLost += Number(s['packetsLost'] ?? 0);
        total.nacks += Number(s['nackCount'] ?? 0);
        total.plis += Number(s['pliCount'] ?? 0) + Number(s['firCount'] ?? 0);
      });
    }
    return total;
  });
}

/** The publisher's outbound video encodings: rid ('' for a screen share's one encoding), frames made, picture height. */
async function outboundVideo(publisher: Person): Promise<{ rid: string; framesEncoded: number; frameHeight: number }[]> {
  return publisher.page.evaluate(async () => {
    const out: { rid: string; framesEncoded: number; frameHeight: number }[] = [];
    for (const pc of (window as unknown as { __confabPeerConnections: RTCPeerConnection[] }).__confabPeerConnections) {
      if (pc.connectionState === 'closed') continue;
      (await pc.getStats()).forEach((s: Record<string, unknown>) => {
        if (s['type'] !== 'outbound-rtp' || s['kind'] !== 'video') return;
        out.push({ rid: String(s['rid'] ?? ''), framesEncoded: Number(s['framesEncoded'] ?? 0), frameHeight: Number(s['frameHeight'] ?? 0) });
      });
    }
    return out;
  });
}

/** Frames the publisher's camera made: the most of any layer's (they share the capture). */
async function framesEncoded(publisher: Person): Promise<number> {
  return Math.max(0, ...(await outboundVideo(publisher)).filter((o) => o.rid !== '').map((o) => o.framesEncoded));
}

/** The screen share's outbound frame height (its one encoding has no rid). */
async function screenSentHeight(publisher: Person): Promise<number> {
  return Math.max(0, ...(await outboundVideo(publisher)).filter((o) => o.rid === '').map((o) => o.frameHeight));
}

/** What the server estimated for each subscriber and the layers it chose, from its debug log, for failure messages. */
function estimates(): string {
  return server.output
    .filter((line) => line.includes('"bandwidth estimate"') || line.includes('"layer target"') || line.includes('"probe"') || line.includes('"key frame request"') || line.includes('"key frame"') || line.includes('"media thread stalled"'))
    .slice(-120)
    .map((line) => {
      const e = JSON.parse(line) as { time: number; msg: string; transport?: string; bps?: number; loss?: number; pacerDropped?: number; consumer?: string; target?: number; from?: number; paused?: boolean; layersBps?: number[] };
      const at = String(e.time % 100_000).padStart(5, '0');
      if (e.msg === 'key frame request' || e.msg === 'key frame') return `${at} ${e.msg === 'key frame' ? 'KF' : 'KFreq'} ${(e as { producer?: string }).producer?.slice(0, 6)}/${(e as { layer?: number }).layer}`;
      if (e.msg === 'media thread stalled') return `${at} media thread stalled ${(e as { lateMs?: number }).lateMs} ms`;
      if (e.msg === 'probe') return `${at} ${e.transport?.slice(0, 6)} probe ${Math.round((e.bps ?? 0) / 1000)}k${(e as { shadow?: boolean }).shadow ? ' shadowed' : ''}`;
      if (e.msg === 'layer target') return `${at} ${e.consumer?.slice(0, 6)} ${e.from}->${e.target}${e.paused ? ' paused' : ''} [${e.layersBps?.map((b) => Math.round(b / 1000)).join(',')}]k`;
      return `${at} ${e.transport?.slice(0, 6)} ${Math.round((e.bps ?? 0) / 1000)}k loss=${e.loss}${e.pacerDropped ? ` pacerDropped=${e.pacerDropped}` : ''}`;
    })
    .join('; ');
}

/** A stretch this long without a frame at an uncapped viewer is the publisher's, not a link's. */
const PUBLISHER_STILL_MS = 150;

/** [start, length] of each stretch over `ms` without a new frame after `fromMs`. */
function stills(frames: readonly Frame[], fromMs: number, ms: number): [number, number][] {
  const out: [number, number][] = [];
  let last = fromMs;
  for (const [at] of frames) {
    if (at < fromMs) continue;
    if (at - last > ms) out.push([last, at - last]);
    last = at;
  }
  return out;
}

function heights(frames: readonly Frame[]): string {
  const runs: string[] = [];
  let last = -1;
  for (const [, h] of frames) {
    if (h !== last) runs.push(`${h}p`);
    last = h;
  }
  return runs.join('→');
}

before(async () => {
  if (skip) return;
  for (let i = 1; i <= 3; i++) namespaces.push(await NetNamespace.create(i));
  video = await movingVideo();
  server = await ServerProcess.start({ logLevel: 'debug', env: { CONFAB_HOST: '0.0.0.0', CONFAB_PUBLIC_IP: SERVER_ADDRESS }, readyTimeoutMs: 90_000 });
  origin = `http://${SERVER_ADDRESS}:${server.port}`;
  // As if on a machine of its own: three Chromiums encoding and decoding 720p load both cores, and
  // a server stalled behind them shows its subscribers queues that are not on the wire.
  await runAtRealtimePriority(server.pid);
});

after(async () => {
  await closeEveryone();
  await server?.stop();
  for (const ns of namespaces) await ns.close();
});

describe('video on an impaired link', { skip: skip ?? false, timeout: 240_000 }, () => {
  test('capped at 400 kbit/s, a subscriber drops to a lower layer within 2 s without freezing, and climbs back within 10 s', async () => {
    try {
      const { alice, carol, bob, bobLink: n2 } = await threePeople('capped');
      for (const [viewer, publisher] of [[bob, alice], [bob, carol], [alice, carol], [carol, alice]] as const) await onTopLayer(viewer, publisher, 60_000);
      const link = new LinkShaper(n2);
      const aliceLayers = await layerHeights(alice);
      const carolLayers = await layerHeights(carol);
      const capAt = await pageNow(bob.page);
      const othersFrom = { alice: await pageNow(alice.page), carol: await pageNow(carol.page) };
      await link.cap('down', 400);
      const trace = traceChanges({ Alice: () => receiving(bob.page, 'Alice'), Carol: () => receiving(bob.page, 'Carol') }, Date.now());
      let liftAt = NaN;
      try {
        // Down within 2 s, then the cap holds for a while: the lower layer has to last.
        await sleep(12_000);
        const received = await trace();
        const othersAlice = await framesSince(alice.page, 'Carol', othersFrom.alice);
        const othersCarol = await framesSince(carol.page, 'Alice', othersFrom.carol);
        const downTo = async (publisher: Person, layers: { f: number }, uncapped: { frames: Frame[]; from: number }): Promise<{ after: number; still: number; frames: Frame[]; pauses: Pause[] }> => {
          const frames = await framesSince(bob.page, publisher.name, capAt);
          const pauses = (await pausesOf(bob.page, publisher.name)).filter(([, to]) => to >= capAt);
          const lower = Math.min(firstFrameWhere(frames, capAt, (h) => h < layers.f), pauses[0]?.[0] ?? Infinity);
          // What the uncapped viewer of the same camera saw stand still (on Bob's clock) is the
          // publisher's: its camera or encoder starved of the two cores three Chromiums share.
          const publisherStills = stills(uncapped.frames, uncapped.from, PUBLISHER_STILL_MS).map(([at, ms]): Pause => [at - uncapped.from + capAt, at - uncapped.from + capAt + ms]);
          return { after: lower - capAt, still: longestStill(frames, capAt, capAt + 12_000, [...pauses, ...publisherStills]), frames, pauses };
        };
        const fromAlice = await downTo(alice, aliceLayers, { frames: othersCarol, from: othersFrom.carol });
        const fromCarol = await downTo(carol, carolLayers, { frames: othersAlice, from: othersFrom.alice });
        measure('capped_down_switch_ms', Math.round(Math.max(fromAlice.after, fromCarol.after)), `alice=${Math.round(fromAlice.after)} carol=${Math.round(fromCarol.after)}`);
        measure('capped_longest_still_ms', Math.round(Math.max(fromAlice.still, fromCarol.still)), `alice=${Math.round(fromAlice.still)} carol=${Math.round(fromCarol.still)}`);
        const paused = (d: { pauses: Pause[] }): string => d.pauses.map(([a, b]) => `${Math.round(a - capAt)}..${Math.round(b - capAt)}`).join(',');
        measure('capped_paused_for_bandwidth', fromAlice.pauses.length + fromCarol.pauses.length, `ms after the cap: alice=[${paused(fromAlice)}] carol=[${paused(fromCarol)}]`);
        const gaps = (frames: Frame[], from: number): string => stills(frames, from, 300).map(([at, ms]) => `${Math.round(at - from)}+${Math.round(ms)}`).join(',');
        const detail = `Bob shows Alice ${heights(fromAlice.frames)}, Carol ${heights(fromCarol.frames)}; stills over 300 ms (ms after the cap+length) alice=[${gaps(fromAlice.frames, capAt)}] carol=[${gaps(fromCarol.frames, capAt)}], uncapped: Alice's of Carol [${gaps(othersAlice, othersFrom.alice)}], Carol's of Alice [${gaps(othersCarol, othersFrom.carol)}]; cap at ${String(Math.round(Date.now() - ((await pageNow(bob.page)) - capAt)) % 100_000)} server clock; paused alice=[${paused(fromAlice)}] carol=[${paused(fromCarol)}]; layers Alice ${JSON.stringify(aliceLayers)} Carol ${JSON.stringify(carolLayers)}; estimates: ${estimates()}`;
        for (const [who, d] of [['Alice', fromAlice], ['Carol', fromCarol]] as const) {
          assert.ok(d.after <= 2000, `Bob shows ${who} on a lower layer ${Math.round(d.after)} ms after the cap (bound 2 s). ${detail}`);
          const around = stills(d.frames, capAt, 300).flatMap(([at, ms]) => received.filter((line) => Math.abs(Number(line.split(':')[0]) - (at - capAt + ms / 2)) < ms / 2 + 1000));
          assert.ok(d.still <= 500, `Bob's picture of ${who} stood still for ${Math.round(d.still)} ms under the cap (bound 500 ms). ${detail}; what Bob received around the stills (ms after the cap): ${[...new Set(around)].join(' | ')}`);
        }
        for (const [viewer, frames, publisher, layers] of [['Alice', othersAlice, 'Carol', carolLayers], ['Carol', othersCarol, 'Alice', aliceLayers]] as const) {
          const below = frames.filter(([, h]) => h < layers.f).length;
          assert.ok(frames.length > 100 && below === 0, `${viewer}, uncapped, keeps ${publisher}'s top layer: ${below} of ${frames.length} frames below it (${heights(frames)}); now encoded ${JSON.stringify(await layerHeights(publisher === 'Alice' ? alice : carol))}; ${detail}`);
        }
        liftAt = await pageNow(bob.page);
      } finally {
        await link.clear();
      }
      for (const publisher of [alice, carol]) {
        const layers = await layerHeights(publisher);
        let frames: Frame[] = [];
        const upAt = await waitFor(
          async () => {
            frames = await framesSince(bob.page, publisher.name, liftAt);
            const at = firstFrameWhere(frames, liftAt, (h) => h >= layers.f);
            return Number.isNaN(at) ? null : { at };
          },
          { timeout: 15_000, interval: 250, message: `Bob back on ${publisher.name}'s top layer` },
        ).catch((err: Error) => {
          throw new Error(`${err.message}: ${heights(frames)}; estimates: ${estimates()}`);
        });
        const up = upAt.at - liftAt;
        measure('capped_up_switch_ms', Math.round(up), publisher.name);
        assert.ok(up <= 10_000, `Bob back on ${publisher.name}'s top layer ${Math.round(up)} ms after the cap was lifted (bound 10 s)`);
      }
    } finally {
      await closeEveryone();
    }
  });

  test('with 3 % loss on his link for 60 s, a subscriber decodes at least 90 % of the frames, with at most one freeze', async () => {
    const room = uniqueRoom('lossy');
    const [n1, n2] = namespaces as [NetNamespace, NetNamespace];
    try {
      const alice = await join(room, 'Alice', n1, true);
      const bob = await join(room, 'Bob', n2, false);
      await onTopLayer(bob, alice, 60_000);
      const link = new LinkShaper(n2);
      const sentBefore = await framesEncoded(alice);
      const gotBefore = await inboundVideo(bob);
      const from = await pageNow(bob.page);
      await link.loss(3, 'down');
      try {
        await sleep(60_000);
      } finally {
        await link.clear();
      }
      const sent = (await framesEncoded(alice)) - sentBefore;
      const got = await inboundVideo(bob);
      const frames = await framesSince(bob.page, 'Alice', from);
      const decoded = got.framesDecoded - gotBefore.framesDecoded;
      const freezeCount = got.freezeCount - gotBefore.freezeCount;
      const share = decoded / sent;
      const stills = freezes(frames, from, from + 60_000, 500);
      // Chromium counts every freeze, whatever made it. On two cores shared by two Chromiums and
      // the server, a busy one makes some (in 1 of 3 runs beside a CPU hog: 2 freezes of ~290 ms,
      // no key frame asked for). A freeze is the link's (or the server's) when the frame that ended
      // it arrived late against its capture for at least half of it; the rest the publisher made
      // (no frames captured or encoded) or Bob's Chromium did (a frame shown late that had come in
      // time). A loss that retransmission did not repair asks for a key frame: then every freeze
      // counts, by Chromium's count or ours, the larger (without retransmission: 11 and 5).
      const plis = got.plis - gotBefore.plis;
      const seen = chromiumFreezes(frames, from, from + 60_000);
      const linkFreezes = plis > 0 ? Math.max(freezeCount, seen.length) : seen.filter((f) => !(f.heldBackMs < f.ms / 2)).length;
      const described = seen.map((f) => `${Math.round(f.atMs - from)}: ${Math.round(f.ms)} ms, held back ${Math.round(f.heldBackMs)}`).join('; ');
      measure(
        'loss3_decoded_share',
        Math.round(share * 1000) / 1000,
        `decoded=${decoded} made=${sent} freezes=${freezeCount} (${Math.round(got.freezesMs - gotBefore.freezesMs)} ms) link_freezes=${linkFreezes} key_frame_requests=${plis} [${described}] ` +
          `stills_over_500ms=[${stills.join(',')}] dropped=${got.framesDropped - gotBefore.framesDropped} lost=${got.packetsLost - gotBefore.packetsLost} nacks=${got.nacks - gotBefore.nacks} ` +
          `heights=${heights(frames)}`,
      );
      assert.ok(sent > 600, `Alice's camera made only ${sent} frames in 60 s`);
      assert.ok(share >= 0.9, `Bob decoded ${decoded} of ${sent} frames (${(share * 100).toFixed(1)} %, bound 90 %); estimates: ${estimates()}`);
      assert.ok(
        linkFreezes <= 1,
        `Bob's video froze ${linkFreezes} times in 60 s for the link (bound 1; Chromium counted ${freezeCount}, ${plis} key frames asked for; ms after the loss began: ${described}); estimates: ${estimates()}`,
      );
    } finally {
      await closeEveryone();
    }
  });

  test('capped at 1 Mbit/s, a subscriber gets a screen share at full detail and the cameras on low layers', async () => {
    try {
      const { alice, carol, bob, bobLink: n2 } = await threePeople('share');
      await clickScreenShare(alice.page);
      await waitFor(async () => (await lastHeight(bob, 'Alice', 'screen')) > 0, { timeout: 30_000, message: "Bob shows Alice's screen" });
      // Both cameras as large tiles beside the screen: only bandwidth keeps them low.
      for (const name of ['Alice', 'Carol']) await setTile(bob.page, name, { width: 960, height: 540 });
      const link = new LinkShaper(n2);
      await link.cap('down', 1000);
      try {
        await sleep(10_000); // settled
        const from = await pageNow(bob.page);
        await sleep(8000);
        const screen = await framesSince(bob.page, 'Alice', from, 'screen');
        const screenHeight = await screenSentHeight(alice);
        const to = await pageNow(bob.page);
        const cameras = { Alice: await framesSince(bob.page, 'Alice', from), Carol: await framesSince(bob.page, 'Carol', from) };
        const pauses = { Alice: await pausesOf(bob.page, 'Alice'), Carol: await pausesOf(bob.page, 'Carol') };
        const layers = { Alice: await layerHeights(alice), Carol: await layerHeights(carol) };
        const stills = { Alice: longestStill(cameras.Alice, from, to, pauses.Alice), Carol: longestStill(cameras.Carol, from, to, pauses.Carol) };
        const paused = (name: 'Alice' | 'Carol'): string => pauses[name].filter(([, b]) => b >= from).map(([a, b]) => `${Math.round(a - from)}..${Math.round(b - from)}`).join(',');
        const detail =
          `screen ${heights(screen)} (sent ${screenHeight}p); cameras Alice ${heights(cameras.Alice)} (paused [${paused('Alice')}], still ${Math.round(stills.Alice)} ms) ` +
          `Carol ${heights(cameras.Carol)} (paused [${paused('Carol')}], still ${Math.round(stills.Carol)} ms); layers ${JSON.stringify(layers)}; estimates: ${estimates()}`;
        measure('share_under_cap_screen_height', screen.at(-1)?.[1] ?? 0, detail);
        assert.ok(screen.length > 10 && screen.every(([, h]) => h === screenHeight), `Bob gets the screen at full detail (${screenHeight}p) throughout: ${detail}`);
        assert.ok(cameras.Alice.length + cameras.Carol.length > 20, `Bob sees the cameras under the cap: ${detail}`);
        for (const name of ['Alice', 'Carol'] as const) {
          const top = cameras[name].filter(([, h]) => h >= layers[name].f).length;
          assert.equal(top, 0, `${name}'s camera stays off its top layer under the cap: ${detail}`);
          // Low, or labelled "Paused for bandwidth" where even that does not fit: never frozen.
          assert.ok(stills[name] <= 1000, `${name}'s camera is never frozen (unlabelled) for over a second: ${detail}`);
        }
      } finally {
        await link.clear();
      }
    } finally {
      await closeEveryone();
    }
  });
});

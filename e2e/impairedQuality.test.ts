/**
 * What a viewer on a bad link gets, in real Chromium with the impairment harness (issue 12's tests):
 * Alice, Bob and Carol each publish moving 720p (a y4m) from a Chromium in a network namespace of
 * their own; every remote tile is drawn large (1280x720) so that it asks for the top layer.
 * - Carol's downlink capped at 400 kbit/s: she drops to lower layers within 2 s without a freeze
 *   over 500 ms, Alice and Bob keep the top layer of each other, and Carol is back on top within
 *   10 s of the cap being lifted.
 * - 3 % random loss on Carol's downlink for 60 s: she decodes at least 90 % of the frames the
 *   publisher encodes for the layer she receives, with at most one freeze (a gap over 500 ms).
 * - Carol capped at 1 Mbit/s with Alice's screen share and two cameras: the screen share at the
 *   height Alice sends it, the cameras on lower layers.
 * Freezes are measured in each page: a sampler reads `confabRoom.getStats()` every 100 ms and the
 * gaps between rises of framesDecoded are the freezes.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { ServerProcess } from '@confab/loadtest';
import { openParticipant, uniqueRoom, type Participant } from './support/browser';
import { canImpair, launchParticipantBrowser, LinkShaper, movingVideo, NetNamespace, SERVER_ADDRESS } from './support/impair/index';
import { outboundVideo, type Source } from './support/observe';
import { clickScreenShare } from './support/ui';
import { measure, sleep, waitFor } from './support/wait';

const NAMES = ['Alice', 'Bob', 'Carol'] as const;
type Name = (typeof NAMES)[number];
const ROOM = uniqueRoom('e2e-impaired');
const FREEZE_MS = 500;
/** movingVideo()'s picture height: the top layer's (scaleResolutionDownBy 1) until the encoder says otherwise. */
const VIDEO_HEIGHT = 720;

const skip = await canImpair();
let server: ServerProcess;
const namespaces: NetNamespace[] = [];
const browsers: Browser[] = [];
const people = new Map<Name, Participant>();
let carolLink: LinkShaper;

function page(name: Name): Page {
  const p = people.get(name);
  if (!p) throw new Error(`${name} is not here (setup failed?)`);
  return p.page;
}

/**
 * Every remote tile large and on screen, one under the other: cameras of the others first, then
 * screen shares (the viewport is tall enough for three), so adaptive stream asks for the top layer.
 */
function largeTilesCss(self: Name): string {
  const tiles = [...NAMES.filter((n) => n !== self).map((n) => [n, 'camera']), ...NAMES.map((n) => [n, 'screen'])];
  let slot = 0;
  const rules = tiles.map(([n, source]) => {
    const sel = `.tile[data-participant-name="${n}"][data-source="${source}"]`;
    const top = source === 'screen' ? 2 * 730 : 730 * slot++;
    return `${sel} { position: fixed !important; left: 0 !important; top: ${top}px !important; width: 1280px !important; height: 720px !important; max-width: none !important; max-height: none !important; flex: none !important; z-index: 5; }
${sel} video { width: 1280px !important; height: 720px !important; max-width: none !important; max-height: none !important; }`;
  });
  return rules.join('\n');
}

/** Runs in each page: every 100 ms, each remote video's framesDecoded and frameHeight (page clock). */
const SAMPLER = `(() => {
  if (window.top !== window) return;
  const samples = [];
  window.__e2eVideoSamples = samples;
  setInterval(async () => {
    const room = window.confabRoom;
    if (!room) return;
    try {
      const t = performance.now();
      for (const s of await room.getStats()) {
        if (s.kind === 'video') samples.push([t, s.participantName, s.source, s.framesDecoded ?? 0, s.frameHeight ?? 0]);
      }
    } catch {}
  }, 100);
})();`;

interface Sample {
  t: number;
  decoded: number;
  height: number;
}

/** `viewer`'s samples of `name`'s video of `source` since `from` (page ms). */
async function samples(viewer: Name, name: Name, source: Source = 'camera', from = 0): Promise<Sample[]> {
  const raw = await page(viewer).evaluate(() => (window as unknown as { __e2eVideoSamples: [number, string, string, number, number][] }).__e2eVideoSamples);
  return raw.filter(([t, n, s]) => n === name && s === source && t >= from).map(([t, , , decoded, height]) => ({ t, decoded, height }));
}

async function now(viewer: Name): Promise<number> {
  return page(viewer).evaluate(() => performance.now());
}

/** Gaps between rises of framesDecoded over [from, to] (page ms): the longest and how many exceed FREEZE_MS. */
function freezes(list: Sample[], from: number, to: number): { longest: number; count: number } {
  let last = from;
  let prev: number | undefined;
  let longest = 0;
  let count = 0;
  const gap = (at: number): void => {
    const g = at - last;
    longest = Math.max(longest, g);
    if (g > FREEZE_MS) count++;
    last = at;
  };
  for (const s of list) {
    if (s.t < from || s.t > to) continue;
    if (prev !== undefined && s.decoded > prev) gap(s.t);
    prev = s.decoded;
  }
  gap(to);
  return { longest: Math.round(longest), count };
}

/** The last height seen of each publisher's top layer (dynacast switches it off when nobody needs it). */
const topSeen = new Map<Name, number>();

/** The height of `publisher`'s top camera layer as its encoder makes it now, or last made it. */
async function layerHeight(publisher: Name, rid: 'f'): Promise<number> {
  const height = (await outboundVideo(page(publisher))).find((l) => l.rid === rid)?.frameHeight ?? 0;
  if (height > 0) topSeen.set(publisher, height);
  return height || (topSeen.get(publisher) ?? VIDEO_HEIGHT);
}

/** The newest height `viewer` decodes of `name`'s `source`. */
async function receivedHeight(viewer: Name, name: Name, source: Source = 'camera'): Promise<number> {
  const list = await samples(viewer, name, source);
  return list.at(-1)?.height ?? 0;
}

/** Diagnostics: whether each camera encoding is switched on, and why the encoder limits itself. */
async function senderState(name: Name): Promise<string> {
  return page(name).evaluate(async () => {
    const parts: string[] = [];
    for (const pc of (window as unknown as { __confabPeerConnections: RTCPeerConnection[] }).__confabPeerConnections) {
      if (pc.connectionState === 'closed') continue;
      for (const sender of pc.getSenders()) for (const e of sender.getParameters().encodings ?? []) if (e.rid) parts.push(`${e.rid}:${e.active === false ? 'off' : 'on'}`);
      (await pc.getStats()).forEach((s: Record<string, unknown>) => {
        if (s['type'] === 'outbound-rtp' && s['kind'] === 'video') parts.push(`${String(s['rid'])}:limit=${String(s['qualityLimitationReason'])}`);
        if (s['type'] === 'candidate-pair' && s['nominated']) parts.push(`out_bps=${String(s['availableOutgoingBitrate'])}`);
      });
    }
    return parts.join(' ');
  });
}

/** Waits until `viewer` receives `name`'s camera at the height of its top layer; returns page ms when it did. */
async function onTop(viewer: Name, name: Name, timeout: number, from = 0): Promise<number> {
  let seen = '';
  let tries = 0;
  return waitFor(async () => {
    const layers = await outboundVideo(page(name));
    const top = await layerHeight(name, 'f');
    const list = await samples(viewer, name, 'camera', from);
    seen = `received ${list.at(-1)?.height ?? 'nothing'}p; ${name} sends ${layers.map((l) => `${l.rid}=${l.frameHeight}p/${Math.round(l.bytesSent / 1000)}kB`).join(' ')}`;
    if (++tries % 20 === 0) seen += ` ${await senderState(name)}`;
    if (tries % 20 === 0) console.log(`[note] ${viewer} waits for ${name}'s top layer: ${seen}`);
    return list.find((s) => top > 0 && s.height >= top)?.t;
  }, { timeout, interval: 200, message: `${viewer} receives ${name}'s camera on the top layer` }).catch((err: Error) => {
    throw new Error(`${err.message} (${seen})`);
  });
}

function step(fn: () => Promise<void>): () => Promise<void> {
  return async () => {
    try {
      await fn();
    } catch (err) {
      const e = err instanceof Error ? err : new Error(String(err));
      e.message += `\n--- server output (last 3 KB) ---\n${server.output.join('\n').slice(-3072)}`;
      e.message += `\n--- pages ---\n${[...people.values()].map((p) => p.diagnostics()).join('\n').slice(-2048)}`;
      throw e;
    } finally {
      await carolLink?.clear();
    }
  };
}

describe('video quality on an impaired link', { skip: skip ?? false, timeout: 300_000 }, () => {
  before(async () => {
    for (let i = 1; i <= NAMES.length; i++) namespaces.push(await NetNamespace.create(i));
    const video = await movingVideo();
    server = await ServerProcess.start({ env: { CONFAB_HOST: '0.0.0.0', CONFAB_PUBLIC_IP: SERVER_ADDRESS }, readyTimeoutMs: 90_000 });
    const origin = `http://${SERVER_ADDRESS}:${server.port}`;
    for (const [i, name] of NAMES.entries()) {
      browsers.push(await launchParticipantBrowser({ namespace: namespaces[i], videoFile: video, serverOrigin: origin }));
      const p = await openParticipant(browsers[i]!, origin, ROOM, name, {
        path: `/r/${ROOM}?name=${name}&prejoin=0`,
        timeout: 60_000,
        initScript: SAMPLER,
        contextOptions: { viewport: { width: 1290, height: 2200 } },
      });
      await p.page.addStyleTag({ content: largeTilesCss(name) });
      people.set(name, p);
    }
    carolLink = new LinkShaper(namespaces[2]!);
  });
  after(async () => {
    for (const p of people.values()) await p.close();
    for (const b of browsers) await b.close().catch(() => {});
    await server?.stop();
    for (const ns of namespaces) await ns.close();
  });

  test('capped at 400 kbit/s: Carol drops a layer within 2 s without freezing, the others keep the top, and she is back on top within 10 s of the lift', step(async () => {
    // Everyone's encoder ramps up first (each publisher's own estimate): all on the top layer.
    for (const [viewer, name] of [['Carol', 'Alice'], ['Carol', 'Bob'], ['Alice', 'Bob'], ['Bob', 'Alice']] as const) {
      const t = await onTop(viewer, name, 45_000);
      measure(`ramp_to_top_ms_${viewer.toLowerCase()}_of_${name.toLowerCase()}`, t - (await samples(viewer, name))[0]!.t);
    }
    const top = { Alice: await layerHeight('Alice', 'f'), Bob: await layerHeight('Bob', 'f') };
    console.log(`[measure] camera_top_heights alice=${top.Alice} bob=${top.Bob}`);

    await carolLink.cap('down', 400);
    const capAt = await now('Carol');
    const down: Record<string, number> = {};
    for (const name of ['Alice', 'Bob'] as const) {
      const t = await waitFor(async () => (await samples('Carol', name, 'camera', capAt)).find((s) => s.height > 0 && s.height < top[name])?.t, {
        timeout: 10_000,
        interval: 100,
        message: `Carol receives ${name} on a lower layer under the cap`,
      });
      down[name] = Math.round(t - capAt);
      measure(`capped_down_switch_ms_${name.toLowerCase()}`, down[name]!);
    }
    await sleep(4000);
    const capEnd = await now('Carol');
    const heightsCapped: Record<string, number> = {};
    for (const name of ['Alice', 'Bob'] as const) {
      heightsCapped[name] = await receivedHeight('Carol', name);
      const f = freezes(await samples('Carol', name, 'camera'), capAt, capEnd);
      measure(`capped_freeze_longest_ms_${name.toLowerCase()}`, f.longest, `freezes_over_${FREEZE_MS}ms=${f.count} layer_height=${heightsCapped[name]}`);
      assert.equal(f.count, 0, `Carol froze on ${name}'s camera under the cap (longest gap ${f.longest} ms)`);
    }
    // Alice and Bob (not capped) kept the top layer of each other all along.
    for (const [viewer, name] of [['Alice', 'Bob'], ['Bob', 'Alice']] as const) {
      const from = capAt - ((await now('Carol')) - (await now(viewer))); // roughly the cap moment on the viewer's clock
      const list = (await samples(viewer, name, 'camera', from)).filter((s) => s.height > 0);
      const lowest = Math.min(...list.map((s) => s.height));
      measure(`uncapped_lowest_height_${viewer.toLowerCase()}_of_${name.toLowerCase()}`, lowest, `top=${top[name]}`);
      assert.ok(list.length > 0 && lowest >= top[name], `${viewer} left ${name}'s top layer (${lowest}p < ${top[name]}p) while only Carol was capped`);
    }
    for (const name of ['Alice', 'Bob'] as const) assert.ok(down[name]! <= 2_000, `Carol's ${name} down-switch took ${down[name]} ms`);

    await carolLink.uncap('down');
    const liftAt = await now('Carol');
    for (const name of ['Alice', 'Bob'] as const) {
      const t = await onTop('Carol', name, 20_000, liftAt);
      const ms = Math.round(t - liftAt);
      measure(`uncapped_up_switch_ms_${name.toLowerCase()}`, ms);
      assert.ok(ms <= 10_000, `Carol back on ${name}'s top layer ${ms} ms after the lift`);
    }
  }));

  test('3 % loss for 60 s: Carol decodes at least 90 % of the source frame rate, with at most one freeze', step(async () => {
    for (const name of ['Alice', 'Bob'] as const) await onTop('Carol', name, 30_000, (await now('Carol')) - 200);
    const sentBefore = { Alice: await outboundVideo(page('Alice')), Bob: await outboundVideo(page('Bob')) };
    const start = await now('Carol');
    await carolLink.loss(3, 'down');
    await sleep(60_000);
    const end = await now('Carol');
    const sentAfter = { Alice: await outboundVideo(page('Alice')), Bob: await outboundVideo(page('Bob')) };
    await carolLink.clearLoss();
    for (const name of ['Alice', 'Bob'] as const) {
      const list = await samples('Carol', name, 'camera', start);
      const inWindow = list.filter((s) => s.t <= end);
      const decoded = inWindow.at(-1)!.decoded - inWindow[0]!.decoded;
      const seconds = (inWindow.at(-1)!.t - inWindow[0]!.t) / 1000;
      // The layer she received: the rid whose height matches hers (most of the window).
      const height = inWindow.at(-1)!.height;
      const rid = sentAfter[name].find((l) => l.rid && l.frameHeight === height)?.rid ?? 'f';
      const a = sentBefore[name].find((l) => l.rid === rid);
      const b = sentAfter[name].find((l) => l.rid === rid);
      const encoded = (b?.framesEncoded ?? 0) - (a?.framesEncoded ?? 0);
      const encodedSeconds = ((b?.at ?? 0) - (a?.at ?? 0)) / 1000;
      const decodedFps = decoded / seconds;
      const sourceFps = encoded / encodedSeconds;
      const fraction = decodedFps / sourceFps;
      const f = freezes(list, start, end);
      console.log(
        `[measure] loss_decoded_fraction_${name.toLowerCase()}=${fraction.toFixed(3)} decoded_fps=${decodedFps.toFixed(1)} source_fps=${sourceFps.toFixed(1)} ` +
          `rid=${rid} height=${height} loss_freezes=${f.count} loss_longest_gap_ms=${f.longest}`,
      );
      assert.ok(fraction >= 0.9, `under 3 % loss Carol decoded ${(fraction * 100).toFixed(1)} % of ${name}'s ${rid} frame rate`);
      assert.ok(f.count <= 1, `under 3 % loss Carol froze ${f.count} times on ${name}'s camera (longest ${f.longest} ms)`);
    }
  }));

  test('capped at 1 Mbit/s: Carol gets Alice’s screen share at full detail and the cameras on low layers', step(async () => {
    await clickScreenShare(page('Alice'));
    const screenHeight = await waitFor(async () => (await outboundVideo(page('Alice'))).find((l) => l.rid === undefined && l.frameHeight > 0)?.frameHeight, {
      timeout: 20_000,
      message: 'Alice sends her screen share',
    });
    // Uncapped, Carol gets both cameras on top: the low layers below are the cap's doing.
    for (const name of ['Alice', 'Bob'] as const) await onTop('Carol', name, 30_000, (await now('Carol')) - 200);
    await carolLink.cap('down', 1000);
    const capAt = await now('Carol');
    let last = {};
    try {
      await waitFor(async () => {
        const screen = await receivedHeight('Carol', 'Alice', 'screen');
        const alice = await receivedHeight('Carol', 'Alice');
        const bob = await receivedHeight('Carol', 'Bob');
        const topAlice = await layerHeight('Alice', 'f');
        const topBob = await layerHeight('Bob', 'f');
        last = { screen, screenSent: screenHeight, alice, topAlice, bob, topBob };
        return screen === screenHeight && alice > 0 && alice < topAlice && bob > 0 && bob < topBob;
      }, { timeout: 20_000, interval: 250, message: 'Carol: screen share at full height, cameras on lower layers' });
    } finally {
      console.log(`[measure] capped_1mbps_heights ${JSON.stringify(last)} after_ms=${Math.round((await now('Carol')) - capAt)}`);
    }
    // And it stays so for a few seconds (not a passing moment).
    await sleep(3000);
    const screen = await receivedHeight('Carol', 'Alice', 'screen');
    const f = freezes(await samples('Carol', 'Alice', 'screen'), (await now('Carol')) - 3000, await now('Carol'));
    measure('capped_1mbps_screen_height', screen, `sent=${screenHeight} screen_longest_gap_ms=${f.longest}`);
    assert.equal(screen, screenHeight, 'the screen share stays at the height Alice sends');
  }));
});

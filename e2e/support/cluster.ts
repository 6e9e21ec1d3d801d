/**
 * Shared set-up for the cluster tests: a LocalCluster (real redis-server, N real server processes
 * in cluster mode, the shipped HAProxy in front, all in the test's network namespace) and one
 * Chromium whose participants open the room through HAProxy, as people would. Helpers read what
 * each node says (/metrics), who owns a room (Redis), and what the pages saw (SDK events, frame gaps).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { setPriority } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { LocalCluster, type LocalClusterOptions } from '@confab/loadtest';
import type { RoomName } from '@confab/protocol';
import { roomKey } from '../../packages/server/src/cluster/redis/keys';
import { leaseHolder, nodeOf } from '../../packages/server/src/cluster/redis/nodeIds';
import { RESULTS_DIR, launchBrowser, openParticipant, type OpenOptions, type Participant } from './browser';
import { movingVideo } from './impair/mediaFiles';
import { waitFor } from './wait';

export interface ClusterHarness {
  cluster: LocalCluster;
  browser: Browser;
  people: Map<string, Participant>;
  /** Opens the room through HAProxy (or `options.baseUrl`, e.g. one node's own URL) and installs the SDK event recorder. */
  join(room: string, name: string, options?: OpenOptions): Promise<Participant>;
  person(name: string): Participant;
  /** Leaves the room as a closed tab does, and forgets the person. */
  leave(name: string): Promise<void>;
  /** Wraps a test body: on failure, the error gets the nodes', HAProxy's and the pages' output. */
  run(fn: () => Promise<void>): () => Promise<void>;
  close(): Promise<void>;
}

/** Nice -10 for this process and what it starts from now on; unchanged where that is not allowed (not root). */
function raisePriority(): void {
  try {
    setPriority(-10);
  } catch {
    console.log('[cluster] cannot raise the priority of the servers over the browser (not root): timings share the CPU with it');
  }
}

/** Pages this size: the browser composites four small tiles, not four large ones, on a CPU the whole cluster shares. */
const SMALL_WINDOW = { width: 512, height: 320 };

export async function createClusterHarness(options: LocalClusterOptions = {}): Promise<ClusterHarness> {
  // Four pages, three nodes, Redis, HAProxy and the headless pair share two cores: cameras of
  // 480x270 at 15 fps (two simulcast layers) instead of the fake device's 1280x720 at 30.
  const camera = [`--use-file-for-fake-video-capture=${await movingVideo(2, 480, 270, 15)}`];
  const browser = await launchBrowser(camera);
  // What is timed here is the servers': they (and this process, with the headless pair) get the CPU
  // before the browser, as on machines of their own. The nodes, Redis and HAProxy inherit it.
  raisePriority();
  const cluster = await LocalCluster.start(options);
  const people = new Map<string, Participant>();
  const h: ClusterHarness = {
    cluster,
    browser,
    people,
    async join(room, name, open = {}) {
      const p = await openParticipant(browser, cluster.url, room, name, { initScript: PC_STATE_RECORDER, contextOptions: { viewport: SMALL_WINDOW }, ...open });
      people.set(name, p);
      await p.page.evaluate(SDK_EVENT_RECORDER);
      return p;
    },
    person(name) {
      const p = people.get(name);
      if (p === undefined) throw new Error(`${name} is not in this test (an earlier step failed?)`);
      return p;
    },
    async leave(name) {
      await h.person(name).close();
      people.delete(name);
    },
    run(fn) {
      return async () => {
        try {
          await fn();
        } catch (err) {
          const e = err instanceof Error ? err : new Error(String(err));
          const pages = [...people.values()].map((p) => p.diagnostics()).filter(Boolean).join('\n');
          const more = `\n${clusterDiagnostics(cluster)}${pages ? `\n--- page console (last 4 KB) ---\n${pages.slice(-4096)}` : ''}\nwhole logs: ${saveLogs(cluster)}`;
          e.message += more;
          // An AssertionError's stack already holds its message: the reporter prints the stack.
          if (e.stack && !e.stack.includes(more)) e.stack += more;
          throw e;
        }
      };
    },
    async close() {
      if (process.env['CONFAB_E2E_VERBOSE']) console.log(clusterDiagnostics(cluster, 1 << 20));
      for (const p of people.values()) await p.close();
      await browser.close().catch(() => {});
      await cluster.stop();
    },
  };
  return h;
}

/** Every line each process wrote, into test-results/cluster/<name>.log, for whoever chases a failure. */
function saveLogs(cluster: LocalCluster): string {
  const dir = join(RESULTS_DIR, 'cluster');
  mkdirSync(dir, { recursive: true });
  for (const node of cluster.nodes) writeFileSync(join(dir, `${node.id}.log`), `${node.history.join('\n')}\n`);
  writeFileSync(join(dir, 'haproxy.log'), `${cluster.proxy.output.join('\n')}\n`);
  writeFileSync(join(dir, 'redis.log'), `${cluster.redis.output.join('\n')}\n`);
  return dir;
}

/** The last `bytes` of each node's, HAProxy's and Redis's output. */
function clusterDiagnostics(cluster: LocalCluster, bytes = 3072): string {
  const parts = cluster.nodes.map((n) => `--- ${n.id} (${n.running ? 'running' : 'stopped'}) ---\n${n.history.join('\n').slice(-bytes)}`);
  parts.push(`--- haproxy ---\n${cluster.proxy.output.join('\n').slice(-bytes)}`);
  parts.push(`--- redis ---\n${cluster.redis.output.join('\n').slice(-1024)}`);
  return parts.join('\n');
}

/** Sum of a /metrics sample over the running nodes, and its value at each. */
export async function perNode(cluster: LocalCluster, name: string): Promise<{ total: number; byNode: Record<string, number> }> {
  const byNode: Record<string, number> = {};
  for (const [id, page] of await cluster.metrics()) byNode[id] = page.get(name) ?? 0;
  return { total: Object.values(byNode).reduce((a, b) => a + b, 0), byNode };
}

/**
 * The node that owns `room`, as Redis says (the room's lease, `<node>#<boot>|<epoch>`). Undefined
 * while nobody does (the lease of a dead owner has expired and nobody has joined since).
 */
export async function ownerOf(cluster: LocalCluster, room: string): Promise<string | undefined> {
  const lease = await cluster.redis.cli('GET', roomKey(room as RoomName));
  return lease === '' ? undefined : nodeOf(leaseHolder(lease));
}

/** Waits until Redis names an owner of `room` that satisfies `ok`, and returns it. */
export async function waitOwner(cluster: LocalCluster, room: string, ok: (owner: string) => boolean, timeout = 20_000): Promise<string> {
  return waitFor(async () => {
    const owner = await ownerOf(cluster, room);
    return owner !== undefined && ok(owner) ? owner : undefined;
  }, { timeout, interval: 100, message: `an owner of ${room} that fits` });
}

/**
 * Records, in the page, what its SDK reports (epoch ms): who joined and left, reconnects, chat.
 * Run after the page is in the room (window.confabRoom exists); idempotent.
 */
export const SDK_EVENT_RECORDER = `(() => {
  if (window.__e2eEvents) return;
  const room = window.confabRoom;
  const log = [];
  Object.defineProperty(window, '__e2eEvents', { value: log });
  room.on('participantLeft', (p, reason) => log.push({ at: Date.now(), type: 'left', name: p.name, text: reason }));
  room.on('participantJoined', (p) => log.push({ at: Date.now(), type: 'joined', name: p.name }));
  room.on('chatMessage', (m) => log.push({ at: Date.now(), type: 'chat', name: m.name, text: m.text }));
  room.on('reconnecting', (reason) => log.push({ at: Date.now(), type: 'reconnecting', name: '', text: String(reason) }));
  room.on('reconnected', (resumed) => log.push({ at: Date.now(), type: 'reconnected', name: '', text: String(resumed) }));
})()`;

/** Records, in the page, each peer connection's connectionState changes (epoch ms), numbered in creation order. */
const PC_STATE_RECORDER = `(() => {
  if (window.top !== window) return;
  const Pc = window.RTCPeerConnection;
  const log = [];
  Object.defineProperty(window, '__pcStates', { value: log });
  let made = 0;
  window.RTCPeerConnection = class extends Pc {
    constructor(...args) {
      super(...args);
      const pc = ++made;
      log.push({ at: Date.now(), pc, state: 'new' });
      this.addEventListener('connectionstatechange', () => log.push({ at: Date.now(), pc, state: this.connectionState }));
    }
  };
})()`;

/** Peer connection state changes since `since`: `pc3 connected` etc. */
export async function pcStates(page: Page, since = 0): Promise<{ at: number; pc: number; state: string }[]> {
  const all = await page.evaluate(() => (window as unknown as { __pcStates?: { at: number; pc: number; state: string }[] }).__pcStates?.slice() ?? []);
  return all.filter((e) => e.at >= since);
}

export interface SdkEvent {
  at: number;
  type: 'left' | 'joined' | 'chat' | 'reconnecting' | 'reconnected';
  name: string;
  text?: string;
}

export async function sdkEvents(page: Page, since = 0): Promise<SdkEvent[]> {
  const all = await page.evaluate(() => (window as unknown as { __e2eEvents: SdkEvent[] }).__e2eEvents.slice());
  return all.filter((e) => e.at >= since);
}

/** Who the page sees in its room, itself included: `name=id` sorted, and each one's status. */
export async function presence(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    type P = { id: string; name: string; status?: string };
    const room = (window as unknown as { confabRoom: { localParticipant: P; participants: ReadonlyMap<string, P> } }).confabRoom;
    return [room.localParticipant, ...room.participants.values()].map((p) => `${p.name}=${p.id}:${p.status ?? '?'}`).sort();
  });
}

/**
 * Watches, in the page, every frame presented on the camera tiles of `names`
 * (requestVideoFrameCallback), and keeps per name the longest time between two frames and the
 * moments video came back after a pause. Times are the compositor's presentation times (epoch ms),
 * so a busy page script does not count as a freeze. A tile whose <video> is replaced (a rejoin) is
 * followed to its new element. Calling it again starts a fresh watch.
 */
export async function watchFrames(page: Page, names: string[]): Promise<void> {
  // A script, not a function: tsx would wrap the inner functions' names in a helper the page lacks.
  await page.evaluate(`(${FRAME_WATCH})(${JSON.stringify(names)})`);
}

const FRAME_WATCH = `(watched) => {
  const w = { names: watched, maxGap: {}, last: {}, returns: {}, frames: {} };
  window.__frameWatch?.stop();
  let stopped = false;
  const attached = new WeakSet();
  const origin = performance.timeOrigin;
  function attach() {
    for (const name of watched) {
      const v = document.querySelector('[data-participant-name="' + CSS.escape(name) + '"][data-source="camera"] video');
      if (!v || attached.has(v)) continue;
      attached.add(v);
      function onFrame(_now, meta) {
        if (stopped) return;
        const at = origin + meta.presentationTime;
        const prev = w.last[name];
        if (prev) {
          const frames = prev.el === v ? meta.presentedFrames - prev.presented : 1;
          // Callbacks a busy page missed are frames that were shown: the gap is per frame.
          const gap = (at - prev.at) / Math.max(1, frames);
          w.maxGap[name] = Math.max(w.maxGap[name] || 0, gap);
          if (gap > 300) (w.returns[name] ||= []).push({ at, gap });
        }
        w.last[name] = { at, presented: meta.presentedFrames, el: v };
        w.frames[name] = (w.frames[name] || 0) + 1;
        v.requestVideoFrameCallback(onFrame);
      }
      v.requestVideoFrameCallback(onFrame);
    }
  }
  attach();
  const timer = setInterval(attach, 200);
  window.__frameWatch = { get: () => w, stop: () => { stopped = true; clearInterval(timer); } };
}`;

export interface FrameWatch {
  /** Longest time between two frames per name, including the one still open now. */
  maxGap: Record<string, number>;
  /** When video came back after a pause over 300 ms (epoch ms), per name. */
  returns: Record<string, { at: number; gap: number }[]>;
  /** Frames seen per name, and the last one's time. */
  frames: Record<string, number>;
  lastAt: Record<string, number>;
}

export async function readFrames(page: Page): Promise<FrameWatch> {
  return page.evaluate(() => {
    const handle = (window as unknown as { __frameWatch?: { get(): { names: string[]; maxGap: Record<string, number>; last: Record<string, { at: number }>; returns: Record<string, { at: number; gap: number }[]>; frames: Record<string, number> } } }).__frameWatch;
    if (!handle) throw new Error('watchFrames() was not called on this page');
    const w = handle.get();
    const now = Date.now();
    const maxGap: Record<string, number> = {};
    const lastAt: Record<string, number> = {};
    for (const name of w.names) {
      const last = w.last[name];
      lastAt[name] = last?.at ?? 0;
      maxGap[name] = Math.max(w.maxGap[name] ?? 0, last ? now - last.at : Infinity);
    }
    return { maxGap, returns: JSON.parse(JSON.stringify(w.returns)) as FrameWatch['returns'], frames: { ...w.frames }, lastAt };
  });
}

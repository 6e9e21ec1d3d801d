/**
 * One Chromium process per test file, one BrowserContext (own localStorage, own fake devices)
 * per participant. Chromium is the system one; playwright-core never downloads a browser.
 */
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '@confab/loadtest';
import type { PageReader } from './observe';
import { waitFor } from './wait';

export const CHROMIUM_PATH = process.env['CONFAB_E2E_CHROMIUM'] ?? '/usr/bin/chromium';

/**
 * Headless Chromium on a loopback-only network namespace (WERIFT-NOTES.md "Chromium on loopback").
 * getDisplayMedia(): in headless Chromium 156 `--use-fake-device-for-media-stream` together with
 * `--use-fake-ui-for-media-stream` already makes it succeed without a picker or a user gesture: it
 * returns a fake 1280x720 "monitor" surface (label `screen:-3:0`, 30 fps). No extra flag is needed;
 * `--auto-select-desktop-capture-source` / `--auto-accept-this-tab-capture` change nothing here.
 */
export const CHROMIUM_ARGS: readonly string[] = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--use-fake-device-for-media-stream',
  '--use-fake-ui-for-media-stream',
  '--allow-loopback-in-peer-connection',
  '--disable-features=WebRtcHideLocalIpsWithMdns',
];

export const RESULTS_DIR = join(REPO_ROOT, 'test-results');

export async function launchBrowser(extraArgs: readonly string[] = []): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: [...CHROMIUM_ARGS, ...extraArgs], timeout: 60_000 });
}

/**
 * Runs in every page before the app: records, in the page's own clock,
 * - `inRoomAt`: performance.now() when body[data-state] first became "in-room";
 * - `firstFrame["<name>|<source>"]`: performance.now() when a remote tile's <video> first had a frame;
 * - `goneAt[name]`: epoch ms (timeOrigin + now) when no `[data-participant-name=name]` element remained,
 *   for names registered with `watchGone()` while they were still present;
 * - `window.__confabPeerConnections`: every RTCPeerConnection the page made (for audioDiagnostics()).
 */
export const INIT_SCRIPT = `(() => {
  if (window.top !== window) return;
  const Pc = window.RTCPeerConnection;
  if (Pc) {
    // Every peer connection the app makes, for audioDiagnostics() when a test fails.
    const pcs = [];
    Object.defineProperty(window, '__confabPeerConnections', { value: pcs });
    window.RTCPeerConnection = class extends Pc {
      constructor(...args) { super(...args); pcs.push(this); }
    };
  }
  const e2e = { inRoomAt: null, firstFrame: {}, watch: {}, goneAt: {} };
  Object.defineProperty(window, '__confabE2E', { value: e2e });
  const onVideo = (ev) => {
    const v = ev.target;
    if (!(v instanceof HTMLVideoElement) || v.videoWidth === 0) return;
    const tile = v.closest('[data-participant-name]');
    if (!tile || tile.getAttribute('data-local') === 'true') return;
    const key = tile.getAttribute('data-participant-name') + '|' + (tile.getAttribute('data-source') || 'camera');
    if (!(key in e2e.firstFrame)) e2e.firstFrame[key] = performance.now();
  };
  for (const t of ['loadeddata', 'resize', 'playing', 'timeupdate']) document.addEventListener(t, onVideo, true);
  const check = () => {
    if (e2e.inRoomAt === null && document.body && document.body.dataset.state === 'in-room') e2e.inRoomAt = performance.now();
    for (const name of Object.keys(e2e.watch)) {
      if (e2e.goneAt[name] !== undefined) continue;
      if (!document.querySelector('[data-participant-name="' + CSS.escape(name) + '"]')) {
        e2e.goneAt[name] = performance.timeOrigin + performance.now();
      }
    }
  };
  e2e.check = check;
  new MutationObserver(check).observe(document, {
    subtree: true, childList: true, attributes: true, attributeFilter: ['data-state', 'data-participant-name'],
  });
})();`;

export interface Participant {
  readonly name: string;
  readonly room: string;
  readonly context: BrowserContext;
  readonly page: Page;
  /** Console errors and page errors seen so far, for failure messages. */
  diagnostics(): string;
  /** A clean tab close: the page, then its context. Returns Date.now() taken just before closing. */
  close(): Promise<number>;
}

export interface OpenOptions {
  /** Wait for `in-room` (default) or only for the page to load. */
  waitForState?: 'lobby' | 'prejoin' | 'waiting' | 'in-room' | 'removed' | 'error' | 'none';
  /** Show the pre-join screen instead of joining straight away (default false: `&prejoin=0`). */
  prejoin?: boolean;
  /** BrowserContext options beyond the viewport (e.g. `permissions`). */
  contextOptions?: Parameters<Browser['newContext']>[0];
  /** Path to open instead of `/r/<room>?name=<name>&prejoin=0`. */
  path?: string;
  timeout?: number;
  /** Origin to open the page on instead of the harness's (e.g. another loopback address). */
  baseUrl?: string;
  /** Extra script run in the page before the app. */
  initScript?: string;
  /** Runs after the page exists and before it navigates (e.g. to route its WebSocket). */
  beforeGoto?: (page: Page, context: BrowserContext) => Promise<void>;
}

/**
 * Opens `${baseUrl}/r/${room}?name=${name}&prejoin=0` in a fresh context and waits until the page is
 * in the room. `prejoin: true` leaves `&prejoin=0` off, so the pre-join screen shows.
 */
export async function openParticipant(
  browser: Browser,
  baseUrl: string,
  room: string,
  name: string,
  options: OpenOptions = {},
): Promise<Participant> {
  const context = await browser.newContext({ viewport: { width: 1024, height: 640 }, ...options.contextOptions });
  await context.addInitScript({ content: INIT_SCRIPT });
  if (options.initScript) await context.addInitScript({ content: options.initScript });
  const page = await context.newPage();
  const log: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') log.push(`[${name} console.${m.type()}] ${m.text()}`);
  });
  page.on('pageerror', (e) => log.push(`[${name} pageerror] ${e.message}`));
  page.on('crash', () => log.push(`[${name}] page crashed`));
  let closed = false;
  const participant: Participant = {
    name,
    room,
    context,
    page,
    diagnostics: () => log.join('\n'),
    async close() {
      const at = Date.now();
      if (!closed) {
        closed = true;
        await page.close().catch(() => {});
        await context.close().catch(() => {});
      }
      return at;
    },
  };
  if (options.beforeGoto) await options.beforeGoto(page, context);
  const path = options.path ?? `/r/${room}?name=${encodeURIComponent(name)}${options.prejoin ? '' : '&prejoin=0'}`;
  await page.goto((options.baseUrl ?? baseUrl) + path, { waitUntil: 'domcontentloaded', timeout: 30_000 });
  const want = options.waitForState ?? 'in-room';
  if (want !== 'none') {
    try {
      await waitForBodyState(page, want, options.timeout ?? 30_000);
    } catch (err) {
      const text = await page.evaluate(() => document.body?.innerText ?? '').catch(() => '?');
      throw new Error(
        `${name} never reached state ${want}: ${(err as Error).message}\n` +
          `visible text: ${text.slice(0, 400)}\n${participant.diagnostics()}`,
      );
    }
  }
  return participant;
}

/** Waits for `document.body.dataset.state === state`; fails fast on `error` when waiting for anything else. */
export async function waitForBodyState(page: PageReader, state: string, timeout = 30_000): Promise<void> {
  await waitFor(
    async () => {
      const s = await page.evaluate(() => document.body?.dataset['state'] ?? null);
      if (s === 'error' && state !== 'error') {
        throw new Error(`page is in state "error"`);
      }
      return s === state;
    },
    { timeout, interval: 200, message: `body[data-state="${state}"]` },
  ).catch(async (err: Error) => {
    const s = await page.evaluate(() => document.body?.dataset['state'] ?? null).catch(() => '?');
    throw new Error(`${err.message} (state is ${JSON.stringify(s)})`);
  });
}

/** Saves a full-page screenshot to test-results/<file> for humans. */
export async function screenshot(page: Page, file: string): Promise<string> {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const path = join(RESULTS_DIR, file);
  await page.screenshot({ path, fullPage: true });
  return path;
}

/** A room name unique to this run, valid by the contract (letters, digits, -, _, .). */
export function uniqueRoom(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 7)}`;
}

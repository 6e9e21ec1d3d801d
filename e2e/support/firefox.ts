/**
 * Firefox participants: the system firefox-esr driven by puppeteer-core over WebDriver BiDi (never
 * downloaded), one Firefox process per test file and one user context (own storage) per
 * participant, the same way support/browser.ts runs Chromium. Firefox gathers ICE candidates only
 * on an interface other than loopback: see support/vethNetwork.ts.
 */
import puppeteer, { type Browser, type BrowserContext, type Page } from 'puppeteer-core';
import { INIT_SCRIPT, waitForBodyState } from './browser';
import type { PageReader } from './observe';
import { PC_RECORDER } from './network';

export const FIREFOX_PATH = process.env['CONFAB_E2E_FIREFOX'] ?? '/usr/bin/firefox-esr';

/**
 * - Fake camera (a moving test pattern, 640x480) and microphone (a 1 kHz tone), no permission
 *   prompt; Firefox's fake engine has no screen, so getDisplayMedia fails with NotFoundError
 *   headless (see SCREEN_AS_TAB).
 * - `media.getusermedia.browser.enabled`: Firefox's own tab capture, the capture source that works
 *   without a display.
 * - Autoplay allowed: a page opened straight into a room plays remote sound without a click
 *   (Chromium needs the app's "Enable sound" button instead).
 */
export const FIREFOX_PREFS: Readonly<Record<string, unknown>> = {
  'media.navigator.streams.fake': true,
  'media.navigator.permission.disabled': true,
  'media.getusermedia.browser.enabled': true,
  'media.autoplay.default': 0,
  'media.autoplay.blocking_policy': 0,
  // Nothing in a test reaches for the internet.
  'browser.shell.checkDefaultBrowser': false,
  'app.update.enabled': false,
  'datareporting.policy.dataSubmissionEnabled': false,
  'toolkit.telemetry.enabled': false,
  'extensions.update.enabled': false,
  'media.gmp-manager.updateEnabled': false,
};

/**
 * Headless Firefox has no screen to capture: getDisplayMedia() finds no source. This init script
 * answers the app's getDisplayMedia() with Firefox's tab capture (`mediaSource: 'browser'`, the
 * page itself, 30 fps), a real capture track of Firefox's, so the app's screen-share path (its
 * button, the SDK's publish, renegotiation, the SFU) runs unchanged.
 */
export const SCREEN_AS_TAB = `(() => {
  const devices = navigator.mediaDevices;
  if (!devices) return;
  devices.getDisplayMedia = (constraints) =>
    devices.getUserMedia({ audio: false, video: { mediaSource: 'browser', frameRate: 30, ...((constraints && typeof constraints.video === 'object') ? constraints.video : {}) } });
})();`;

export async function launchFirefox(extraPrefs: Record<string, unknown> = {}): Promise<Browser> {
  return puppeteer.launch({
    browser: 'firefox',
    protocol: 'webDriverBiDi',
    executablePath: FIREFOX_PATH,
    headless: true,
    timeout: 60_000,
    extraPrefsFirefox: { ...FIREFOX_PREFS, ...extraPrefs },
  });
}

export interface FirefoxParticipant {
  readonly name: string;
  readonly room: string;
  readonly context: BrowserContext;
  readonly page: Page;
  /** The page for the readers in support/observe.ts. */
  readonly reader: PageReader;
  diagnostics(): string;
  /** A clean tab close: the page, then its context. Returns Date.now() taken just before closing. */
  close(): Promise<number>;
}

export interface FirefoxOpenOptions {
  waitForState?: 'in-room' | 'none';
  /** Origin to open the page on instead of `baseUrl` (e.g. another loopback address). */
  baseUrl?: string;
  /** Extra scripts run in the page before the app. */
  initScripts?: string[];
  timeout?: number;
}

/** Wraps a Puppeteer page as a PageReader (its evaluate has the same shape, typed differently). */
export function pageReader(page: Page): PageReader {
  return {
    evaluate: (fn: (arg?: unknown) => unknown, arg?: unknown) => page.evaluate(fn, arg),
  } as PageReader;
}

/** Opens `${baseUrl}/r/${room}?name=${name}&prejoin=0` in a fresh user context and waits until the page is in the room. */
export async function openFirefoxParticipant(
  browser: Browser,
  baseUrl: string,
  room: string,
  name: string,
  options: FirefoxOpenOptions = {},
): Promise<FirefoxParticipant> {
  const context = await browser.createBrowserContext();
  const page = await context.newPage();
  await page.setViewport({ width: 1024, height: 640 });
  for (const script of [INIT_SCRIPT, PC_RECORDER, ...(options.initScripts ?? [])]) await page.evaluateOnNewDocument(script);
  const log: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warn') log.push(`[${name} console.${m.type()}] ${m.text()}`);
  });
  page.on('pageerror', (e) => log.push(`[${name} pageerror] ${e instanceof Error ? e.message : String(e)}`));
  let closed = false;
  const participant: FirefoxParticipant = {
    name,
    room,
    context,
    page,
    reader: pageReader(page),
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
  const url = `${options.baseUrl ?? baseUrl}/r/${room}?name=${encodeURIComponent(name)}&prejoin=0`;
  await page.goto(url, { waitUntil: 'domcontentloaded', timeout: 30_000 });
  if ((options.waitForState ?? 'in-room') === 'in-room') {
    try {
      await waitForBodyState(participant.reader, 'in-room', options.timeout ?? 30_000);
    } catch (err) {
      const text = await page.evaluate(() => document.body?.innerText ?? '').catch(() => '?');
      throw new Error(`${name} (Firefox) never reached the room: ${(err as Error).message}\nvisible text: ${text.slice(0, 400)}\n${log.join('\n')}`);
    }
  }
  return participant;
}

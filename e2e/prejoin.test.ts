/**
 * The pre-join screen and the honest media messages, in real Chromium against the real server:
 * - straight in with `&prejoin=0`: navigation start -> every remote tile's first frame (logged);
 * - the pre-join screen: a live preview, a moving mic level, toggles, pickers, the name from
 *   `?name=`, choices kept over a reload, and "Join" publishing the previewed camera;
 * - a page opened over plain HTTP from a non-localhost address says camera and microphone need
 *   HTTPS and links the deployment guide, and the person can still join;
 * - a browser that denies permission, and one with no devices at all, each get their own message.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { chromium, type Page } from 'playwright-core';
import { REPO_ROOT } from '@confab/loadtest';
import { CHROMIUM_ARGS, CHROMIUM_PATH, screenshot, uniqueRoom, waitForBodyState } from './support/browser';
import { createHarness, type Harness } from './support/harness';
import { expectVideoDecoded, pageTimings } from './support/observe';
import { measure, sleep, waitFor } from './support/wait';

const run = promisify(execFile);
const ROOM = uniqueRoom('e2e-prejoin');
/** Not loopback 127/8 (which Chromium counts as trustworthy) and not localhost: a plain-HTTP origin. */
const INSECURE_ADDRESS = '10.98.9.1';
const NAME_INPUT = 'input#display-name';
const PREVIEW_VIDEO = '.preview video';
const METER = '[role="meter"][aria-label="Microphone level"]';

/** Counts getUserMedia calls, so a test can tell that joining asked for nothing new. */
const COUNT_GUM = `(() => {
  const md = navigator.mediaDevices;
  if (!md) return;
  const original = md.getUserMedia.bind(md);
  window.__gumCalls = 0;
  md.getUserMedia = (c) => { window.__gumCalls++; return original(c); };
})();`;

let h: Harness;

/** The preview <video>: its size and how many frames it has shown so far. */
async function previewFrames(page: Page): Promise<{ width: number; frames: number }> {
  return page.$eval(PREVIEW_VIDEO, (v) => {
    const video = v as HTMLVideoElement;
    return { width: video.videoWidth, frames: video.getVideoPlaybackQuality().totalVideoFrames };
  });
}

async function expectPreviewPlaying(page: Page, who: string): Promise<void> {
  const first = await waitFor(async () => {
    const f = await previewFrames(page);
    return f.width > 0 && f.frames > 0 ? f : null;
  }, { message: `${who}'s preview shows video (videoWidth > 0)` });
  await waitFor(async () => (await previewFrames(page)).frames > first.frames + 5, { message: `${who}'s preview frames advance` });
}

/** Samples the mic level meter like a person glancing at it: it must move. */
async function meterSamples(page: Page, count = 15, everyMs = 150): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < count; i++) {
    samples.push(Number(await page.locator(METER).getAttribute('aria-valuenow')));
    await sleep(everyMs);
  }
  return samples;
}

async function expectMeterMoving(page: Page, who: string): Promise<void> {
  await page.locator(METER).waitFor({ state: 'visible', timeout: 30_000 });
  let samples: number[] = [];
  await waitFor(async () => {
    samples = await meterSamples(page);
    return Math.max(...samples) > 0 && Math.max(...samples) - Math.min(...samples) > 0;
  }, { timeout: 20_000, interval: 0, message: `${who}'s mic level moves (the fake mic beeps)` }).catch((err: Error) => {
    throw new Error(`${err.message}; samples: ${samples.join(',')}`);
  });
  console.log(`[prejoin] ${who} mic level samples: ${samples.join(',')}`);
}

async function stored(page: Page, key: string): Promise<string | null> {
  return page.evaluate((k) => localStorage.getItem(k), key);
}

/**
 * Only inside the private network namespace scripts/run-tests.sh makes (root, nothing but `lo`)
 * may the test add an address; never on the machine's own network.
 */
async function inPrivateNetns(): Promise<boolean> {
  if (process.getuid?.() !== 0) return false;
  const links = await run('ip', ['-o', 'link', 'show']).then((r) => r.stdout, () => '');
  const names = links.split('\n').filter(Boolean).map((l) => l.split(':')[1]?.trim().split('@')[0]);
  return names.length > 0 && names.every((n) => n === 'lo');
}

describe('pre-join screen and media messages', { timeout: 480_000 }, () => {
  before(async () => {
    // Listening on every address of the test's namespace, so the page can also be opened by a
    // non-localhost address (the insecure-origin test adds one to lo).
    h = await createHarness({ env: { CONFAB_HOST: '0.0.0.0' } });
  });
  after(async () => {
    await h?.close();
  });

  test('straight in with &prejoin=0: navigation start to every remote tile playing (logged)', () =>
    h.run(async () => {
      const names = ['Alice', 'Bob', 'Carol'];
      for (const name of names) await h.join(ROOM, name);
      for (const viewer of names) {
        const others = names.filter((n) => n !== viewer);
        const page = h.person(viewer).page;
        await Promise.all(others.map((o) => expectVideoDecoded(page, viewer, o)));
        const t = await waitFor(async () => {
          const timings = await pageTimings(page);
          return others.every((o) => timings.firstFrame[`${o}|camera`] !== undefined) ? timings : null;
        }, { message: `${viewer}'s page recorded a first frame for ${others.join(', ')}` });
        for (const o of others) measure('prejoin_skipped_open_to_first_frame_ms', t.firstFrame[`${o}|camera`]!, `viewer=${viewer} from=${o}`);
        // The page clock starts at navigation, so the latest tile is "open the link -> everyone playing".
        // Only the last to join found everyone already publishing; the others waited for later joiners.
        if (viewer === names.at(-1)) {
          measure('prejoin_skipped_open_to_all_tiles_ms', Math.max(...others.map((o) => t.firstFrame[`${o}|camera`]!)), `viewer=${viewer} (joined last)`);
        }
      }
    })());

  test('pre-join: preview, moving mic level, toggles, pickers, name from ?name=, kept over a reload; Join publishes the previewed camera', () =>
    h.run(async () => {
      const dan = await h.join(ROOM, 'Dan', { prejoin: true, waitForState: 'prejoin', initScript: COUNT_GUM });
      const page = dan.page;
      await page.locator(NAME_INPUT).waitFor({ state: 'visible' });
      assert.equal(await page.locator(NAME_INPUT).inputValue(), 'Dan', 'the name from ?name= is filled in');
      assert.equal(await page.evaluate(() => document.body.dataset['state']), 'prejoin');
      assert.equal(await page.locator('[data-participant-name]').count(), 0, 'not in the room yet');

      await expectPreviewPlaying(page, 'Dan');
      await expectMeterMoving(page, 'Dan');
      // Pickers list the fake devices by name once permission is there.
      await waitFor(async () => (await page.locator('#prejoin-camera option').allTextContents()).some((t) => /fake/i.test(t)), {
        message: 'the camera picker lists the fake camera',
      });
      const mics = await page.locator('#prejoin-microphone option').evaluateAll((os) => os.map((o) => ({ value: (o as HTMLOptionElement).value, text: o.textContent ?? '' })));
      assert.ok(mics.length >= 2, `several microphones to pick from: ${JSON.stringify(mics)}`);
      await screenshot(page, 'prejoin.png');
      await page.setViewportSize({ width: 390, height: 844 });
      await screenshot(page, 'prejoin-narrow.png');
      await page.setViewportSize({ width: 1024, height: 640 });

      // Camera off: the preview goes dark (the camera is released), and that is remembered.
      await page.getByRole('button', { name: 'Turn off camera' }).click();
      await waitFor(() => page.$eval('.preview', (el) => (el as HTMLElement).dataset['video'] === 'off'), { message: 'preview off' });
      assert.equal(await page.$eval(PREVIEW_VIDEO, (v) => (v as HTMLVideoElement).srcObject), null);
      assert.equal(await stored(page, 'confab.cameraOn'), '0');
      // Mic off: the meter goes away; on again: it moves again.
      await page.getByRole('button', { name: 'Turn off microphone' }).click();
      await page.locator(METER).waitFor({ state: 'hidden', timeout: 30_000 });
      assert.equal(await stored(page, 'confab.microphoneOn'), '0');
      await page.getByRole('button', { name: 'Turn on microphone' }).click();
      await expectMeterMoving(page, 'Dan');
      // Pick another microphone.
      const other = mics.find((m) => m.value !== 'default' && m.value !== '') ?? mics[1]!;
      await page.locator('#prejoin-microphone').selectOption(other.value);
      await waitFor(async () => (await stored(page, 'confab.microphoneDevice')) === other.value, { message: 'the chosen mic is remembered' });
      await waitFor(() => page.evaluate(() => document.querySelector<HTMLSelectElement>('#prejoin-microphone')?.value), { message: 'mic picker set' });

      // Reload: the camera stays off, the chosen microphone stays chosen.
      await page.reload({ waitUntil: 'domcontentloaded' });
      await waitForBodyState(page, 'prejoin');
      await page.getByRole('button', { name: 'Turn on camera' }).waitFor({ state: 'visible', timeout: 30_000 });
      assert.equal(await page.$eval('.preview', (el) => (el as HTMLElement).dataset['video']), 'off', 'camera still off after the reload');
      await waitFor(async () => (await page.locator('#prejoin-microphone').inputValue()) === other.value, {
        message: `the microphone picker shows ${other.text} again after the reload`,
      });
      await expectMeterMoving(page, 'Dan');

      // Camera on again, then join.
      await page.getByRole('button', { name: 'Turn on camera' }).click();
      await expectPreviewPlaying(page, 'Dan');
      const previewTrackId = await page.$eval(PREVIEW_VIDEO, (v) => ((v as HTMLVideoElement).srcObject as MediaStream).getVideoTracks()[0]!.id);
      const callsBeforeJoin = await page.evaluate(() => (window as unknown as { __gumCalls: number }).__gumCalls);
      await page.getByRole('button', { name: /^Join/ }).click();
      await waitForBodyState(page, 'in-room');
      await waitFor(() => page.evaluate(() => window.confabRoom?.localParticipant.tracks.has('camera') ?? false), { timeout: 45_000, message: 'Dan publishes his camera' });
      const published = await page.evaluate(() => ({
        camera: window.confabRoom!.localParticipant.tracks.get('camera')!.mediaStreamTrack.id,
        mic: window.confabRoom!.localParticipant.tracks.get('microphone')?.mediaStreamTrack.getSettings().deviceId ?? null,
      }));
      assert.equal(published.camera, previewTrackId, 'the previewed camera track itself is published (no second capture, no flicker)');
      assert.equal(published.mic, other.value, 'the microphone chosen in the pre-join is the one published');
      assert.equal(await page.evaluate(() => (window as unknown as { __gumCalls: number }).__gumCalls), callsBeforeJoin, 'joining asked for no media again');
      await expectVideoDecoded(h.person('Alice').page, 'Alice', 'Dan');
      await expectVideoDecoded(page, 'Dan', 'Alice');
    })());

  test('plain HTTP from a non-localhost address: "camera and microphone need HTTPS", a link to the guide, and joining still works', (t) =>
    h.run(async () => {
      if (!(await inPrivateNetns())) {
        t.skip('needs root in a private network namespace with only lo (scripts/run-tests.sh)');
        return;
      }
      // lo gets a non-127 address; it lives and dies in this test's own namespace.
      await run('ip', ['addr', 'add', `${INSECURE_ADDRESS}/32`, 'dev', 'lo']);
      try {
        const base = `http://${INSECURE_ADDRESS}:${h.server.port}`;
        const ivy = await h.join(ROOM, 'Ivy', { baseUrl: base, prejoin: true, waitForState: 'prejoin' });
        const page = ivy.page;
        assert.equal(await page.evaluate(() => window.isSecureContext), false, 'Chromium treats this origin as insecure');
        const notice = page.getByRole('alert').filter({ hasText: 'Camera and microphone need HTTPS' });
        await notice.waitFor({ state: 'visible', timeout: 30_000 });
        const text = await notice.innerText();
        assert.match(text, /only allow the camera and microphone on pages served over HTTPS \(or from localhost\)/);
        assert.match(text, new RegExp(`${INSECURE_ADDRESS.replace(/\./g, '\\.')}`), 'names the address it was opened on');
        assert.doesNotMatch(text, /not found|no camera/i, 'never blames missing devices');
        const link = notice.getByRole('link', { name: /deployment guide/i });
        assert.equal(await link.getAttribute('href'), '/docs/deploy');
        const guide = await page.evaluate(async () => {
          const r = await fetch('/docs/deploy');
          return { status: r.status, type: r.headers.get('content-type'), text: (await r.text()).slice(0, 200) };
        });
        if (existsSync(join(REPO_ROOT, 'docs', 'deploy.md'))) {
          assert.equal(guide.status, 200, 'the server serves the deployment guide');
          assert.match(guide.type ?? '', /^text\/plain/);
        } else {
          assert.equal(guide.status, 404, 'no guide in this checkout yet');
        }
        await screenshot(page, 'prejoin-insecure-origin.png');

        // Still in, without camera or microphone: watching and listening.
        await page.getByRole('button', { name: /^Join/ }).click();
        await waitForBodyState(page, 'in-room');
        await expectVideoDecoded(page, 'Ivy', 'Alice');
        assert.equal(await page.evaluate(() => window.confabRoom!.localParticipant.tracks.size), 0);
        await ivy.close();
        h.people.delete('Ivy');
      } finally {
        await run('ip', ['addr', 'del', `${INSECURE_ADDRESS}/32`, 'dev', 'lo']).catch(() => undefined);
      }
    })());

  test('permission denied, and no devices at all, each get their own message', () =>
    h.run(async () => {
      // A real refusal: without --use-fake-ui-for-media-stream headless Chromium has nobody to ask, so it denies.
      // A real absence: without --use-fake-device-for-media-stream this box has no camera or microphone.
      const cases = [
        { label: 'denied', drop: '--use-fake-ui-for-media-stream', expect: /^Camera and microphone access were blocked\. Allow them in your browser’s site settings/ },
        { label: 'no devices', drop: '--use-fake-device-for-media-stream', expect: /^No camera or microphone was found\. Connect one/ },
      ];
      for (const c of cases) {
        const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS.filter((a) => a !== c.drop), timeout: 60_000 });
        try {
          const page = await (await browser.newContext({ viewport: { width: 1024, height: 640 } })).newPage();
          await page.goto(`${h.server.httpBase}/r/${ROOM}?name=Zed`, { waitUntil: 'domcontentloaded' });
          await waitForBodyState(page, 'prejoin');
          const problems = page.locator('.prejoin-problems');
          await waitFor(async () => ((await problems.innerText().catch(() => '')) || '').trim().length > 0, { message: `${c.label}: a message` });
          const text = (await problems.innerText()).trim();
          console.log(`[prejoin] ${c.label}: ${text.replace(/\s+/g, ' ')}`);
          const first = text.split('\n')[0] ?? '';
          assert.match(text, c.expect, `${c.label}: ${text}`);
          assert.doesNotMatch(text, /HTTPS/, `${c.label}: not blamed on HTTPS`);
          if (c.label === 'denied') assert.doesNotMatch(text, /found|in use/, 'a refusal is not a missing device');
          else assert.doesNotMatch(first, /blocked|in use/, 'a missing device is not a refusal');
          await screenshot(page, `prejoin-${c.label.replace(/\s+/g, '-')}.png`);
          // Joining without media still works.
          await page.getByRole('button', { name: /^Join/ }).click();
          await waitForBodyState(page, 'in-room');
        } finally {
          await browser.close();
        }
      }
    })());
});

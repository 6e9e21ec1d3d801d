/**
 * Two people, Alice and Bob. Alice mutes and unmutes her microphone and camera from the control bar,
 * then sets her status to "away"; everything is checked from Bob's side: what his page shows (tile,
 * People list) and what his SDK receives (`window.confabRoom.getStats()`). A muted track must cost
 * no bandwidth, so Bob's packet counters for it must stand still. Steps build on each other.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { screenshot, uniqueRoom } from './support/browser';
import { createHarness, type Harness } from './support/harness';
import {
  expectAudioReceived,
  expectStandsStill,
  expectTilePlaying,
  expectVideoDecoded,
  pick as pickTrack,
  remoteStats,
  tileSelector,
  tileVideo,
  waitRising,
  type RemoteTrackStats,
} from './support/observe';
import { measure, waitFor } from './support/wait';

const ROOM = uniqueRoom('e2e-mute');
/** Control-bar handles (packages/web/src/controls.ts): the aria-label says what a click will do. */
const MUTE_MIC = 'footer button[aria-label="Mute microphone"]';
const UNMUTE_MIC = 'footer button[aria-label="Unmute microphone"]';
const CAMERA_OFF = 'footer button[aria-label="Turn off camera"]';
const CAMERA_ON = 'footer button[aria-label="Turn on camera"]';
const STATUS_SELECT = 'footer select[aria-label="Your status"]';
/** How long a muted track's counters must stand still. */

let h: Harness;

/** What `viewer` shows of `name`'s camera tile: mic badge, placeholder/video, status label. */
interface TileLook {
  micBadgeVisible: boolean;
  micBadgeLabel: string | null;
  micMutedClass: boolean;
  dataVideo: string | null;
  placeholderOpacity: string;
  videoOpacity: string;
  avatarText: string;
  statusVisible: boolean;
  statusText: string;
}

async function tileLook(page: Page, name: string): Promise<TileLook | null> {
  return page.evaluate((sel) => {
    const tile = document.querySelector<HTMLElement>(sel);
    if (tile === null) return null;
    const mic = tile.querySelector<HTMLElement>('.tile-mic');
    const placeholder = tile.querySelector<HTMLElement>('.tile-placeholder');
    const video = tile.querySelector<HTMLVideoElement>('video');
    const status = tile.querySelector<HTMLElement>('.tile-status');
    // A person sees it: rendered, not display:none / visibility:hidden, not fully transparent.
    // (No named helper function in here: tsx would wrap it in a `__name()` the page doesn't have.)
    const opts = { opacityProperty: true, visibilityProperty: true };
    const avatar = tile.querySelector<HTMLElement>('.tile-placeholder .avatar');
    const statusSeen = status !== null && status.checkVisibility(opts);
    return {
      micBadgeVisible: mic !== null && mic.checkVisibility(opts),
      micBadgeLabel: mic?.getAttribute('aria-label') ?? null,
      micMutedClass: tile.classList.contains('mic-muted'),
      dataVideo: tile.getAttribute('data-video'),
      placeholderOpacity: placeholder ? getComputedStyle(placeholder).opacity : 'none',
      videoOpacity: video ? getComputedStyle(video).opacity : 'none',
      avatarText: avatar !== null && avatar.checkVisibility(opts) ? (avatar.textContent ?? '').trim() : '',
      statusVisible: statusSeen,
      statusText: statusSeen ? (status.textContent ?? '').trim() : '',
    };
  }, tileSelector(name));
}

/** `name`'s row in the People list of `page`, as shown. */
async function personRow(page: Page, name: string): Promise<{ status: string | null; text: string; mic: string | null } | null> {
  return page.evaluate((n) => {
    const row = document.querySelector<HTMLElement>(`ul[aria-label="Participants"] li[data-person-name="${CSS.escape(n)}"]`);
    if (row === null || !row.checkVisibility()) return null;
    return {
      status: row.getAttribute('data-status'),
      text: (row.querySelector<HTMLElement>('.person-status')?.innerText ?? '').trim(),
      mic: row.querySelector('[aria-label^="Microphone"], [aria-label="No microphone"]')?.getAttribute('aria-label') ?? null,
    };
  }, name);
}

/** `name`'s microphone or camera at a viewer. */
function pick(stats: RemoteTrackStats[], name: string, kind: 'audio' | 'video'): RemoteTrackStats | undefined {
  return pickTrack(stats, name, kind, kind === 'audio' ? 'microphone' : 'camera');
}

/** Clicks the control-bar button `selector` in `page`, and waits for it to flip to `then`. */
async function clickControl(page: Page, selector: string, then: string): Promise<void> {
  await page.locator(selector).click();
  await page.locator(then).waitFor({ state: 'visible', timeout: 10_000 });
}

describe('Alice mutes, turns her camera off, goes away; Bob sees it', { timeout: 90_000 }, () => {
  before(async () => {
    h = await createHarness();
    await h.join(ROOM, 'Alice');
    await h.join(ROOM, 'Bob');
  });
  after(async () => {
    await h?.close();
  });

  test('to begin with, Bob sees and hears Alice, unmuted and online', h0(async () => {
    const bob = h.person('Bob').page;
    await expectTilePlaying(bob, 'Bob', 'Alice', 'camera', 20_000);
    await expectAudioReceived(bob, 'Bob', 'Alice', 20_000);
    const look = await tileLook(bob, 'Alice');
    assert.ok(look !== null);
    assert.equal(look.micBadgeVisible, false, 'no muted-mic badge on Alice\u2019s tile yet');
    assert.equal(look.dataVideo, 'on', 'Alice\u2019s tile shows video');
    assert.equal(look.statusVisible, false, 'no status label on Alice\u2019s tile while she is online');
    const row = await waitFor(() => personRow(bob, 'Alice'), { timeout: 10_000, message: 'Bob\u2019s People list has a row for Alice' });
    assert.equal(row.status, 'online');
    assert.equal(row.mic, 'Microphone on');
    await h.person('Alice').page.locator(MUTE_MIC).waitFor({ state: 'visible', timeout: 5000 });
  }));

  test('Alice mutes her microphone: Bob sees the muted-mic badge, her audio packets stop; unmute brings them back', h0(async () => {
    const alice = h.person('Alice').page;
    const bob = h.person('Bob').page;

    const mutedAt = Date.now();
    await clickControl(alice, MUTE_MIC, UNMUTE_MIC);
    await waitFor(async () => {
      const look = await tileLook(bob, 'Alice');
      return look !== null && look.micBadgeVisible;
    }, { timeout: 10_000, message: 'Bob sees the muted-mic badge on Alice\u2019s tile' });
    measure('mute_to_badge_ms', Date.now() - mutedAt);
    const look = await tileLook(bob, 'Alice');
    assert.equal(look?.micBadgeLabel, 'Microphone off');
    assert.equal(look?.micMutedClass, true);
    assert.equal(look?.dataVideo, 'on', 'muting the mic leaves Alice\u2019s video on');
    await waitFor(async () => (await personRow(bob, 'Alice'))?.mic === 'Microphone muted', {
      timeout: 5000,
      message: 'Bob\u2019s People list shows Alice\u2019s microphone muted',
    });
    await expectStandsStill(bob, 'Alice', 'audio', ['packetsReceived', 'bytesReceived'], 'Bob\u2019s inbound audio from muted Alice');
    await screenshot(bob, 'mute-bob-sees-alice-muted.png');

    await clickControl(alice, UNMUTE_MIC, MUTE_MIC);
    await waitFor(async () => {
      const l = await tileLook(bob, 'Alice');
      return l !== null && !l.micBadgeVisible;
    }, { timeout: 10_000, message: 'the muted-mic badge leaves Alice\u2019s tile at Bob' });
    await waitRising(
      async () => pick(await remoteStats(bob), 'Alice', 'audio')?.packetsReceived,
      'Bob receives Alice\u2019s audio again (packetsReceived)',
      10_000,
    );
  }));

  test('Alice turns her camera off: Bob sees her avatar, her video stops; on again, it plays', h0(async () => {
    const alice = h.person('Alice').page;
    const bob = h.person('Bob').page;

    await clickControl(alice, CAMERA_OFF, CAMERA_ON);
    await waitFor(async () => {
      const look = await tileLook(bob, 'Alice');
      return look !== null && look.dataVideo === 'off' && look.placeholderOpacity === '1' && look.videoOpacity === '0';
    }, { timeout: 10_000, message: 'Bob sees Alice\u2019s camera-off placeholder instead of her video' });
    const look = await tileLook(bob, 'Alice');
    assert.equal(look?.avatarText, 'A', 'the placeholder shows Alice\u2019s initials');
    assert.equal(look?.micBadgeVisible, false, 'camera off leaves the mic badge alone');
    await expectStandsStill(bob, 'Alice', 'video', ['packetsReceived', 'framesDecoded'], 'Bob\u2019s inbound video from Alice with her camera off');
    await screenshot(bob, 'mute-bob-sees-alice-camera-off.png');

    const onAt = Date.now();
    await clickControl(alice, CAMERA_ON, CAMERA_OFF);
    await waitFor(async () => {
      const l = await tileLook(bob, 'Alice');
      return l !== null && l.dataVideo === 'on' && l.placeholderOpacity === '0' && l.videoOpacity === '1';
    }, { timeout: 10_000, message: 'Bob sees Alice\u2019s video again (placeholder gone)' });
    // Frames must be flowing again, not just the old picture uncovered.
    await expectVideoDecoded(bob, 'Bob', 'Alice', 'camera', 10_000);
    const t0 = await tileVideo(bob, 'Alice');
    await waitFor(async () => ((await tileVideo(bob, 'Alice'))?.totalVideoFrames ?? 0) > (t0?.totalVideoFrames ?? Infinity), {
      timeout: 10_000,
      message: 'Alice\u2019s tile at Bob presents new frames',
    });
    measure('camera_on_to_frames_ms', Date.now() - onAt);
  }));

  test('Alice sets her status to away: Bob\u2019s People list and her tile say so', h0(async () => {
    const alice = h.person('Alice').page;
    const bob = h.person('Bob').page;
    await alice.locator(STATUS_SELECT).selectOption('away', { timeout: 5000 });
    const row = await waitFor(async () => {
      const r = await personRow(bob, 'Alice');
      return r !== null && r.status === 'away' ? r : undefined;
    }, { timeout: 10_000, message: 'Bob\u2019s People list shows Alice as away' });
    assert.equal(row.text, 'Away', 'the row reads "Away"');
    const look = await waitFor(async () => {
      const l = await tileLook(bob, 'Alice');
      return l?.statusVisible ? l : undefined;
    }, { timeout: 5000, message: 'Alice\u2019s tile at Bob carries a status label' });
    assert.equal(look.statusText.toLowerCase(), 'away');
    // Bob himself is still online.
    assert.equal((await personRow(bob, 'Bob'))?.status, 'online');
  }));
});

/** Test body wrapper that adds diagnostics (h is created in before()). */
function h0(fn: () => Promise<void>): () => Promise<void> {
  return () => h.run(fn)();
}

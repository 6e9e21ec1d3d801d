/**
 * Four people in one room, in real Chromium with fake camera and microphone, against the real server
 * and web app: everyone sees and hears everyone, a late joiner, a leave, chat, and a screen share.
 * Steps build on each other and run in order.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { screenshot, uniqueRoom } from './support/browser';
import { createHarness, type Harness } from './support/harness';
import {
  expectAudioEnergy,
  expectAudioReceived,
  expectListedPeople,
  expectTilePlaying,
  expectVideoDecoded,
  pageShowsText,
  pageTimings,
  remoteStats,
  tileSelector,
  tileVideo,
  waitGone,
  watchGone,
} from './support/observe';
import { measure, waitFor } from './support/wait';
import { clickScreenShare, openChatIfClosed, sendChatFromUi } from './support/ui';

const ROOM = uniqueRoom('e2e-room');
let h: Harness;

/** `viewer` sees and hears `other`: tile playing, video decoded, audio samples arriving. */
async function expectSeesAndHears(viewer: string, other: string): Promise<void> {
  const page = h.person(viewer).page;
  const tile = await expectTilePlaying(page, viewer, other);
  assert.equal(tile.local, false, `${viewer}: ${other}'s tile must not be marked local`);
  assert.equal(tile.tiles, 1, `${viewer} has exactly one camera tile for ${other}`);
  await expectVideoDecoded(page, viewer, other);
  await expectAudioReceived(page, viewer, other);
  await expectAudioEnergy(page, viewer, other, undefined, h.person(other).page);
}

/** Logs join → first remote frame for `viewer`, for every name in `others` (page clock). */
async function logFirstFrames(viewer: string, others: string[]): Promise<void> {
  const t = await pageTimings(h.person(viewer).page);
  for (const other of others) {
    const at = t.firstFrame[`${other}|camera`];
    if (at === undefined) continue;
    measure('open_to_first_remote_frame_ms', at, `viewer=${viewer} from=${other}`);
    if (t.inRoomAt !== null) measure('join_to_first_remote_frame_ms', at - t.inRoomAt, `viewer=${viewer} from=${other}`);
  }
}

describe('a room of three, then four', { timeout: 240_000 }, () => {
  before(async () => {
    h = await createHarness();
  });
  after(async () => {
    await h?.close();
  });

  test('Alice, Bob and Carol each see and hear the other two', h0(async () => {
    await h.join(ROOM, 'Alice');
    await h.join(ROOM, 'Bob');
    await h.join(ROOM, 'Carol');
    const names = ['Alice', 'Bob', 'Carol'];
    for (const viewer of names) {
      const page = h.person(viewer).page;
      // Own tile is there and marked local.
      const own = await waitFor(() => tileVideo(page, viewer), { message: `${viewer} sees own tile` });
      assert.equal(own.local, true, `${viewer}'s own tile carries data-local="true"`);
    }
    await Promise.all(
      names.flatMap((viewer) => names.filter((o) => o !== viewer).map((other) => expectSeesAndHears(viewer, other))),
    );
    await Promise.all(names.map((v) => expectListedPeople(h.person(v).page, v, names)));
    await logFirstFrames('Carol', ['Alice', 'Bob']);
    await logFirstFrames('Bob', ['Alice']);
    await screenshot(h.person('Alice').page, 'room-3-people-alice.png');
  }));

  test('Dave joins late, sees all three, and they see him', h0(async () => {
    await h.join(ROOM, 'Dave');
    const earlier = ['Alice', 'Bob', 'Carol'];
    await Promise.all([
      ...earlier.map((o) => expectSeesAndHears('Dave', o)),
      ...earlier.map((v) => expectSeesAndHears(v, 'Dave')),
    ]);
    const all = [...earlier, 'Dave'];
    await Promise.all(all.map((v) => expectListedPeople(h.person(v).page, v, all)));
    await logFirstFrames('Dave', earlier);
  }));

  test('Carol closes her tab: gone from the others\u2019 grids within 1 s, her tracks stop', h0(async () => {
    const observers = ['Alice', 'Bob', 'Dave'];
    for (const o of observers) await watchGone(h.person(o).page, 'Carol');
    const closedAt = await h.person('Carol').close();
    h.people.delete('Carol');
    const delays: Record<string, number> = {};
    for (const o of observers) {
      const goneAt = await waitGone(h.person(o).page, o, 'Carol');
      delays[o] = goneAt - closedAt;
      measure('leave_to_tile_gone_ms', delays[o], `viewer=${o}`);
    }
    for (const o of observers) {
      await waitFor(async () => (await remoteStats(h.person(o).page)).every((s) => s.participantName !== 'Carol'), {
        timeout: 10_000,
        message: `${o} has no remote tracks of Carol left`,
      });
    }
    for (const o of observers) await expectListedPeople(h.person(o).page, o, observers, 5000);
    // The server agrees: three participants left in rooms.
    await waitFor(async () => (await h.server.metrics()).get('confab_participants') === 3, {
      timeout: 5000,
      message: 'server metric confab_participants = 3 after Carol left',
    });
    for (const o of observers) {
      const d = delays[o] ?? Infinity;
      assert.ok(d < 1000, `${o} still showed Carol ${Math.round(d)} ms after she closed her tab (limit 1000 ms)`);
    }
    // The others still see each other.
    await expectTilePlaying(h.person('Alice').page, 'Alice', 'Dave');
  }));

  test('chat from Alice shows up at Bob and Dave', h0(async () => {
    // Markup in the text: a person must see it literally, and it must not become elements.
    const text = `hello <b>bold</b> <img src=x data-xss=1> from Alice ${Math.random().toString(36).slice(2, 8)}`;
    await sendChatFromUi(h.person('Alice').page, text);
    for (const viewer of ['Bob', 'Dave']) {
      const page = h.person(viewer).page;
      await openChatIfClosed(page);
      await waitFor(() => pageShowsText(page, text), { timeout: 10_000, message: `${viewer} sees "${text}"` });
    }
    // Shown as text (innerText above kept the tags), so it must not have become markup anywhere.
    for (const viewer of ['Alice', 'Bob', 'Dave']) {
      const injected = await h.person(viewer).page.evaluate(() => document.querySelectorAll('[data-xss], .chat b, [class*="chat"] b').length);
      assert.equal(injected, 0, `${viewer}: chat text became HTML elements`);
    }
  }));

  test('Bob shares his screen: an extra playing tile at Alice and Dave, gone when he stops', h0(async () => {
    const bob = h.person('Bob').page;
    await clickScreenShare(bob);
    for (const viewer of ['Alice', 'Dave']) {
      const page = h.person(viewer).page;
      const t = await expectTilePlaying(page, viewer, 'Bob', 'screen');
      assert.ok(t.videoWidth > 0);
      await expectVideoDecoded(page, viewer, 'Bob', 'screen');
      // His camera tile is still there too.
      assert.ok((await tileVideo(page, 'Bob', 'camera')) !== null, `${viewer} still sees Bob's camera tile`);
    }
    await clickScreenShare(bob);
    for (const viewer of ['Alice', 'Dave']) {
      const page = h.person(viewer).page;
      await waitFor(async () => (await page.$(tileSelector('Bob', 'screen'))) === null, {
        timeout: 10_000,
        message: `${viewer}: Bob's screen tile disappears`,
      });
      assert.ok((await tileVideo(page, 'Bob', 'camera')) !== null, `${viewer} still sees Bob's camera tile`);
    }
  }));
});

/** Test body wrapper that adds diagnostics (h is created in before()). */
function h0(fn: () => Promise<void>): () => Promise<void> {
  return () => h.run(fn)();
}

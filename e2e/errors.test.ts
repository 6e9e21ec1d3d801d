/** Errors a person can run into, and a race between two first joins of a new room. */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { uniqueRoom } from './support/browser';
import { createHarness, type Harness } from './support/harness';
import type { Page } from 'playwright-core';
import { expectListedPeople, expectTilePlaying, tileNames } from './support/observe';

let h: Harness;

describe('errors and races', { timeout: 150_000 }, () => {
  before(async () => {
    h = await createHarness();
  });
  after(async () => {
    await h?.close();
  });

  test('an invalid room name shows a readable error, not a crash', () =>
    h.run(async () => {
      const p = await h.join('bad room!', 'X', { path: '/r/bad%20room!?name=X&prejoin=0', waitForState: 'error' });
      const state = await p.page.evaluate(() => document.body.dataset['state']);
      assert.equal(state, 'error');
      const text = await p.page.evaluate(() => document.body.innerText);
      assert.match(text, /room name/i, `the visible error mentions the room name rule; page says: ${text.slice(0, 300)}`);
      // It says what is allowed, in words a person can act on.
      assert.match(text, /letters|digits|characters/i, `the visible error explains the rule; page says: ${text.slice(0, 300)}`);
      assert.doesNotMatch(text, /undefined|\[object|TypeError|stack/i, 'no internals leak into the message');
      // The server is fine afterwards.
      assert.equal((await fetch(`${h.server.httpBase}/healthz`)).status, 200);
      await p.close();
      h.people.delete('X');
    })());

  test('two simultaneous first joins of a new room end up in one room', () =>
    h.run(async () => {
      const room = uniqueRoom('race');
      // Both pages load in parallel; their `join` frames are held back until both have sent one,
      // then released to the server in the same tick, so the two first joins really race.
      const barrier = joinBarrier(2);
      const hold = (page: Page): Promise<void> =>
        page.routeWebSocket(/\/rtc/, (ws) => {
          const server = ws.connectToServer();
          ws.onMessage((msg) => {
            if (typeof msg === 'string' && isJoin(msg)) barrier.arrive(() => server.send(msg));
            else server.send(msg);
          });
        });
      const [a, b] = await Promise.all([
        h.join(room, 'Erin', { beforeGoto: hold }),
        h.join(room, 'Frank', { beforeGoto: hold }),
      ]);
      assert.equal(barrier.released, true, 'both joins went through the barrier');
      await Promise.all([expectTilePlaying(a.page, 'Erin', 'Frank'), expectTilePlaying(b.page, 'Frank', 'Erin')]);
      assert.deepEqual((await tileNames(a.page)).sort(), ['Erin', 'Frank'], 'Erin sees exactly Erin and Frank');
      assert.deepEqual((await tileNames(b.page)).sort(), ['Erin', 'Frank'], 'Frank sees exactly Erin and Frank');
      await expectListedPeople(a.page, 'Erin', ['Erin', 'Frank']);
      await expectListedPeople(b.page, 'Frank', ['Erin', 'Frank']);
      const metrics = await h.server.metrics();
      console.log(`[measure] confab_rooms=${metrics.get('confab_rooms')}`);
      assert.equal(metrics.get('confab_rooms'), 1, 'the server holds exactly one room');
      assert.equal(metrics.get('confab_participants'), 2, 'with both participants in it');
    })());
});

function isJoin(text: string): boolean {
  try {
    return (JSON.parse(text) as { type?: unknown }).type === 'join';
  } catch {
    return false;
  }
}

/** Holds callbacks until `n` have arrived, then runs them all in one go. */
function joinBarrier(n: number): { arrive(release: () => void): void; readonly released: boolean } {
  const waiting: Array<() => void> = [];
  let released = false;
  return {
    arrive(release) {
      if (released) return release();
      waiting.push(release);
      if (waiting.length >= n) {
        released = true;
        for (const r of waiting.splice(0)) r();
      }
    },
    get released() {
      return released;
    },
  };
}

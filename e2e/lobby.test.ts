/** The landing page: a suggested room, a remembered name, and joining from the form (through the pre-join screen). */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { screenshot, waitForBodyState } from './support/browser';
import { createHarness, type Harness } from './support/harness';
import { waitFor } from './support/wait';

/** The room-name rule from DESIGN.md. */
const ROOM_NAME = /^[A-Za-z0-9._-]{1,64}$/;
/** The lobby form's fields (packages/web/src/lobby.ts: formField ids). */
const ROOM_INPUT = 'form input#room-name';
const NAME_INPUT = 'form input#display-name';
const SUBMIT = 'form button[type="submit"]';

let h: Harness;

async function lobbyValues(page: Page): Promise<{ room: string; name: string }> {
  return {
    room: await page.locator(ROOM_INPUT).first().inputValue(),
    name: await page.locator(NAME_INPUT).first().inputValue(),
  };
}

describe('lobby', { timeout: 120_000 }, () => {
  before(async () => {
    h = await createHarness();
  });
  after(async () => {
    await h?.close();
  });

  test('suggests a random valid room, remembers the name, and joins from the form', () =>
    h.run(async () => {
      const erin = await h.join('', 'Erin', { path: '/', waitForState: 'lobby' });
      const page = erin.page;
      await page.locator(ROOM_INPUT).first().waitFor({ state: 'visible', timeout: 10_000 });
      const first = await lobbyValues(page);
      assert.match(first.room, ROOM_NAME, `the suggested room "${first.room}" follows the room-name rule`);
      assert.equal(first.name, '', 'a first visit has no name filled in');
      await screenshot(page, 'lobby.png');

      // Another person opening the lobby gets a different suggestion (it is random, not fixed).
      const other = await h.join('', 'Other', { path: '/', waitForState: 'lobby' });
      await other.page.locator(ROOM_INPUT).first().waitFor({ state: 'visible', timeout: 10_000 });
      const second = await lobbyValues(other.page);
      assert.match(second.room, ROOM_NAME);
      assert.notEqual(second.room, first.room, 'two lobbies suggest two different rooms');
      await other.close();
      h.people.delete('Other');

      // Join from the form: on to the room's pre-join screen, name carried over, then in.
      await page.locator(NAME_INPUT).first().fill('Erin');
      await page.locator(SUBMIT).first().click();
      await waitForBodyState(page, 'prejoin');
      const url = new URL(page.url());
      assert.equal(url.pathname, `/r/${first.room}`, 'the address bar shows the room link');
      assert.equal(await page.locator(NAME_INPUT).first().inputValue(), 'Erin', 'the pre-join screen has the name from the lobby');
      await page.getByRole('button', { name: /^Join/ }).click();
      await waitForBodyState(page, 'in-room');
      await waitFor(() => page.$('[data-participant-name="Erin"][data-local="true"]'), {
        message: 'Erin sees her own tile',
      });

      // Next visit: the name is remembered.
      await page.goto(h.server.httpBase + '/', { waitUntil: 'domcontentloaded' });
      await waitForBodyState(page, 'lobby');
      await page.locator(NAME_INPUT).first().waitFor({ state: 'visible', timeout: 10_000 });
      assert.equal((await lobbyValues(page)).name, 'Erin', 'the name is filled in from last time');
      await page.reload({ waitUntil: 'domcontentloaded' });
      await waitForBodyState(page, 'lobby');
      await page.locator(NAME_INPUT).first().waitFor({ state: 'visible', timeout: 10_000 });
      assert.equal((await lobbyValues(page)).name, 'Erin', 'still remembered after a reload');
      const stored = await page.evaluate(() => Object.values({ ...localStorage }));
      assert.ok(stored.includes('Erin'), 'the name is kept in localStorage');
    })());
});

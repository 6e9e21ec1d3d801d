/**
 * Moderating from the web app the way a person does: the menu on someone's tile, the meeting
 * controls in the control bar, the lobby's Admit and Deny (packages/web/src/moderatorMenu.ts,
 * moderatorControls.ts, waitingList.ts).
 */
import type { Page } from 'playwright-core';
import { tileSelector } from './observe';

/** The control-bar button that opens the moderators' meeting controls. */
export const MEETING_CONTROLS = 'footer button[aria-label="Meeting controls"]';

/** The menu button on `name`'s camera tile ("More actions for <name>"); only moderators have one. */
export function tileMenuButton(page: Page, name: string) {
  return page.locator(`${tileSelector(name)} button[aria-label="More actions for ${name}"]`);
}

/** Opens the moderator's menu on `name`'s tile and returns its items' labels. */
export async function openTileMenu(page: Page, name: string): Promise<string[]> {
  await tileMenuButton(page, name).click();
  const menu = page.locator('[role="menu"]:not([hidden])');
  await menu.waitFor({ state: 'visible', timeout: 5000 });
  return (await menu.getByRole('menuitem').allInnerTexts()).map((t) => t.trim());
}

/** Closes an open moderator's menu without choosing anything. */
export async function closeMenu(page: Page): Promise<void> {
  await page.keyboard.press('Escape');
  await page.locator('[role="menu"]').first().waitFor({ state: 'hidden', timeout: 5000 });
}

/** Clicks `item` (exact label, e.g. "Mute", "Remove and ban") in the open moderator's menu. */
export async function chooseMenuItem(page: Page, item: string): Promise<void> {
  await page.locator('[role="menu"]:not([hidden])').getByRole('menuitem', { name: item, exact: true }).click();
}

/** Opens the meeting controls popover (lock, lobby, password, end for all) if it is closed. */
export async function openMeetingControls(page: Page): Promise<void> {
  const panel = page.getByRole('dialog', { name: 'Meeting controls' });
  if (await panel.isVisible()) return;
  await page.locator(MEETING_CONTROLS).click();
  await panel.waitFor({ state: 'visible', timeout: 5000 });
}

/** What `page`'s SDK says about the room's access (locked, lobby, passwordProtected). */
export async function roomAccess(page: Page): Promise<{ locked: boolean; lobby: boolean; passwordProtected: boolean } | null> {
  return page.evaluate(() => {
    const room = (window as unknown as { confabRoom?: { access: { locked: boolean; lobby: boolean; passwordProtected: boolean } } }).confabRoom;
    return room ? { ...room.access } : null;
  });
}

/** Driving the web app the way a person does: the control bar and the chat panel. */
import type { Page } from 'playwright-core';
import { tileSelector, type PageReader } from './observe';
import { waitFor } from './wait';

/** The control-bar button that shows the people-and-chat panel ("Show people and chat"). */
export const CHAT_TOGGLE = 'footer button[aria-label^="Show" i][aria-label*="chat" i]';
/** The chat composer (packages/web/src/chatPanel.ts). */
export const CHAT_INPUT = 'section[aria-label="Chat"] textarea, textarea[aria-label="Chat message"]';
export const SCREEN_BUTTON = 'button[aria-label*="screen" i]';

/** Opens the chat panel if its input is not visible and a chat button exists. */
export async function openChatIfClosed(page: Page): Promise<void> {
  if (await page.locator(CHAT_INPUT).first().isVisible().catch(() => false)) return;
  const toggle = page.locator(CHAT_TOGGLE).first();
  if ((await toggle.count()) > 0) {
    await toggle.click();
    await page.locator(CHAT_INPUT).first().waitFor({ state: 'visible', timeout: 5000 }).catch(() => {});
  }
}

/** Types `text` into the chat input and presses Enter, as a person does; fails if there is no input. */
export async function sendChatFromUi(page: Page, text: string): Promise<void> {
  await openChatIfClosed(page);
  const input = page.locator(CHAT_INPUT).first();
  await input.waitFor({ state: 'visible', timeout: 5000 });
  await input.fill(text);
  await input.press('Enter');
  // The sender sees their own message too.
  await waitFor(() => page.evaluate((t) => (document.body?.innerText ?? '').includes(t), text), {
    timeout: 10_000,
    message: `the sender sees "${text}" in the chat`,
  });
}

/** Starts or stops a screen share with the control-bar button, as a person does. */
export async function clickScreenShare(page: Page): Promise<void> {
  const button = page.locator(SCREEN_BUTTON).first();
  await button.waitFor({ state: 'visible', timeout: 5000 });
  await button.click();
}

/** A tile as a layout would draw it: a size in CSS pixels, hidden (`display: none`), or shown again. */
export type TileLayout = { width: number; height: number } | 'hidden' | 'shown';

/** Lays out `name`'s camera tile on the page (the SDK reports the new size or visibility to the server). */
export async function setTile(page: PageReader, name: string, how: TileLayout): Promise<void> {
  await page.evaluate(
    ({ sel, how }: { sel: string; how: TileLayout }) => {
      const tile = document.querySelector<HTMLElement>(sel);
      if (!tile) throw new Error(`no tile ${sel}`);
      if (how === 'hidden') tile.style.display = 'none';
      else if (how === 'shown') tile.style.display = '';
      else {
        for (const el of [tile, tile.querySelector('video')!]) {
          el.style.width = `${how.width}px`;
          el.style.height = `${how.height}px`;
          el.style.maxWidth = `${how.width}px`;
          el.style.maxHeight = `${how.height}px`;
          el.style.flex = 'none';
        }
      }
    },
    { sel: tileSelector(name), how },
  );
}

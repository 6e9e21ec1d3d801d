/** Driving the web app the way a person does: the control bar and the chat panel. */
import type { Page } from 'playwright-core';
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

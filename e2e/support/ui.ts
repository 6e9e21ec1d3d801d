/**
 * Driving the web app the way a person does (control bar, chat panel), with the SDK as a fallback
 * where the UI offers no stable handle.
 */
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

/** Types `text` into the chat input and presses Enter. Falls back to the SDK if there is no input. */
export async function sendChatFromUi(page: Page, text: string): Promise<'ui' | 'sdk'> {
  await openChatIfClosed(page);
  const input = page.locator(CHAT_INPUT).first();
  if (await input.isVisible().catch(() => false)) {
    await input.fill(text);
    await input.press('Enter');
    // The sender sees their own message too.
    await waitFor(
      () => page.evaluate((t) => (document.body?.innerText ?? '').includes(t), text),
      { timeout: 10_000, message: `the sender sees "${text}" in the chat` },
    );
    return 'ui';
  }
  console.log('[note] no visible chat input found; sending chat through window.confabRoom');
  await page.evaluate(async (t) => {
    const room = (window as unknown as { confabRoom: { localParticipant: { sendChat(t: string): Promise<unknown> } } })
      .confabRoom;
    await room.localParticipant.sendChat(t);
  }, text);
  return 'sdk';
}

/** Starts or stops a screen share: the control-bar button if there is one, else the SDK. */
export async function clickScreenShare(page: Page, action: 'start' | 'stop'): Promise<'ui' | 'sdk'> {
  const button = page.locator(SCREEN_BUTTON).first();
  if ((await button.count()) > 0 && (await button.isVisible())) {
    await button.click();
    return 'ui';
  }
  console.log(`[note] no screen-share button found; ${action} through window.confabRoom`);
  await page.evaluate(async (a) => {
    const lp = (window as unknown as { confabRoom: { localParticipant: Record<string, unknown> } }).confabRoom
      .localParticipant;
    const names = a === 'start' ? ['publishScreen', 'startScreenShare'] : ['unpublishScreen', 'stopScreenShare'];
    for (const n of names) {
      const f = lp[n];
      if (typeof f === 'function') {
        await (f as () => Promise<unknown>).call(lp);
        return;
      }
    }
    throw new Error(`localParticipant has none of ${names.join(', ')}`);
  }, action);
  return 'sdk';
}

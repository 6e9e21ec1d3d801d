/**
 * Token mode: a server started with CONFAB_API_KEYS lets in only people with an access token.
 * Without one the page says the meeting needs an invitation link (with the server's words); with a
 * token printed by `npm run -s token` (run as a person would, with the same key in the environment)
 * the link `/r/<room>?token=…` gets in, and a token made with --admin moderates.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { REPO_ROOT } from '@confab/loadtest';
import { screenshot, uniqueRoom } from './support/browser';
import { createHarness, type Harness } from './support/harness';
import { MEETING_CONTROLS, tileMenuButton } from './support/moderationUi';
import { expectTilePlaying, pageShowsText } from './support/observe';
import { measure } from './support/wait';

const ROOM = uniqueRoom('e2e-token');
const API_ENV = { CONFAB_API_KEYS: `e2e-key:${randomBytes(32).toString('base64url')}` };

let h: Harness;

/** `npm run -s token -- …` with the server's key, as an operator would run it; its stdout is the token. */
async function tokenFromCli(identity: string, name: string, admin = false): Promise<string> {
  const startedAt = Date.now();
  const args = ['run', '-s', 'token', '--', '--room', ROOM, '--identity', identity, '--name', name, ...(admin ? ['--admin'] : [])];
  const { stdout } = await promisify(execFile)('npm', args, { cwd: REPO_ROOT, env: { ...process.env, ...API_ENV }, timeout: 60_000 });
  measure('token_cli_ms', Date.now() - startedAt);
  const token = stdout.trim();
  assert.match(token, /^[\w-]+\.[\w-]+\.[\w-]+$/, `npm run token printed a JWT: ${JSON.stringify(stdout)}`);
  return token;
}

function roomPath(name: string, token?: string): string {
  return `/r/${ROOM}?name=${encodeURIComponent(name)}&prejoin=0${token ? `&token=${encodeURIComponent(token)}` : ''}`;
}

describe('token mode', { timeout: 120_000 }, () => {
  before(async () => {
    h = await createHarness({ env: API_ENV });
  });
  after(async () => {
    await h?.close();
  });

  test('without a token: a readable page saying the meeting needs an invitation link', h0(async () => {
    const page = (await h.join(ROOM, 'Stranger', { path: roomPath('Stranger'), waitForState: 'error' })).page;
    assert.ok(await pageShowsText(page, 'This meeting needs an invitation link'));
    // Below the title, the server's own words on what is missing.
    const message = await page.locator('.error-message').innerText();
    assert.match(message, /token/i, `the page gives the server's reason: ${message}`);
    await screenshot(page, 'token-mode-no-token.png');
    await h.person('Stranger').close();
    h.people.delete('Stranger');
  }));

  test('a token from `npm run token` gets in; an --admin token moderates', h0(async () => {
    const [mia, ned] = await Promise.all([tokenFromCli('mia', 'Mia'), tokenFromCli('ned', 'Ned', true)]);
    const miaPage = (await h.join(ROOM, 'Mia', { path: roomPath('Mia', mia) })).page;
    const nedPage = (await h.join(ROOM, 'Ned', { path: roomPath('Ned', ned) })).page;
    await Promise.all([expectTilePlaying(miaPage, 'Mia', 'Ned'), expectTilePlaying(nedPage, 'Ned', 'Mia')]);
    assert.equal(await nedPage.locator(MEETING_CONTROLS).isVisible(), true, 'Ned (roomAdmin) has the meeting controls');
    assert.equal(await tileMenuButton(nedPage, 'Mia').isVisible(), true, 'and a menu on Mia’s tile');
    assert.equal(await miaPage.locator(MEETING_CONTROLS).isVisible(), false, 'Mia does not');
    const identities = await nedPage.evaluate(() =>
      [...(window as unknown as { confabRoom: { participants: Map<string, { identity: string }> } }).confabRoom.participants.values()].map((p) => p.identity),
    );
    assert.deepEqual(identities, ['mia'], 'Mia is who her token says');
  }));
});

/** Test body wrapper that adds diagnostics (h is created in before()). */
function h0(fn: () => Promise<void>): () => Promise<void> {
  return () => h.run(fn)();
}

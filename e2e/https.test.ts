/**
 * A call over https:// and wss:// with a self-signed certificate made by openssl: three people in
 * Chromium (which trusts exactly this test's certificates by their public-key hashes), the
 * certificate renewed the way certbot does it mid-call, the call going on, and a fourth person
 * who joins afterwards being given the new certificate.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { ServerProcess, makeTestCertificate, servedFingerprint, swapSymlink, type TestCertificate } from '@confab/loadtest';
import { CHROMIUM_ARGS, CHROMIUM_PATH, openParticipant, screenshot, uniqueRoom, type Participant } from './support/browser';
import { startTogether } from './support/harness';
import { expectTilePlaying, expectVideoDecoded } from './support/observe';
import { waitFor } from './support/wait';

const ROOM = uniqueRoom('e2e-https');
const dir = mkdtempSync(join(tmpdir(), 'confab-e2e-tls-'));
const certLink = join(dir, 'live', 'fullchain.pem');
const keyLink = join(dir, 'live', 'privkey.pem');
let first: TestCertificate;
let second: TestCertificate;
let server: ServerProcess;
let browser: Browser;
const people = new Map<string, Participant>();
/** Every WebSocket URL each page opened, in order. */
const sockets = new Map<string, string[]>();

async function joinCall(name: string): Promise<Participant> {
  const opened: string[] = [];
  sockets.set(name, opened);
  const p = await openParticipant(browser, server.httpBase, ROOM, name, {
    path: `/r/${ROOM}?name=${encodeURIComponent(name)}&prejoin=0`,
    beforeGoto: async (page) => void page.on('websocket', (ws) => opened.push(ws.url())),
  });
  people.set(name, p);
  return p;
}

/** Every viewer decodes every other's camera (framesDecoded rising) and its tile plays. */
async function expectAllDecoding(names: string[]): Promise<void> {
  await Promise.all(
    names.flatMap((viewer) =>
      names.filter((o) => o !== viewer).map(async (other) => {
        const page = people.get(viewer)!.page;
        await expectTilePlaying(page, viewer, other);
        await expectVideoDecoded(page, viewer, other);
      }),
    ),
  );
}

/** On failure, the server's output and the pages' console go with the error. */
function withDiagnostics(fn: () => Promise<void>): () => Promise<void> {
  return async () => {
    try {
      await fn();
    } catch (err) {
      const e = err instanceof Error ? err : new Error(String(err));
      const pages = [...people.values()].map((p) => p.diagnostics()).filter(Boolean).join('\n');
      e.message += `\n--- server output ---\n${server.output.join('\n').slice(-4096)}\n--- pages ---\n${pages.slice(-4096)}`;
      throw e;
    }
  };
}

describe('a call over https and wss, with the certificate renewed mid-call', { timeout: 240_000 }, () => {
  before(async () => {
    first = makeTestCertificate(join(dir, 'archive'), 'cert1', 'confab-e2e-first');
    second = makeTestCertificate(join(dir, 'archive'), 'cert2', 'confab-e2e-second');
    mkdirSync(join(dir, 'live'));
    symlinkSync(first.certPath, certLink);
    symlinkSync(first.keyPath, keyLink);
    const spki = [first.spkiHash, second.spkiHash].join(',');
    const started = await startTogether(ServerProcess.start({ logLevel: 'info', env: { CONFAB_TLS_CERT: certLink, CONFAB_TLS_KEY: keyLink } }), [
      // Trusts these two certificates and nothing else: no blanket --ignore-certificate-errors.
      chromium.launch({ executablePath: CHROMIUM_PATH, args: [...CHROMIUM_ARGS, `--ignore-certificate-errors-spki-list=${spki}`], timeout: 60_000 }),
    ]);
    server = started.server;
    browser = started.browsers[0]!;
  });
  after(async () => {
    for (const p of people.values()) await p.close();
    await browser?.close().catch(() => {});
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('Alice, Bob and Carol, on https:// pages signaling over wss://, each decode the other two', withDiagnostics(async () => {
    assert.ok(server.httpBase.startsWith('https://'));
    for (const name of ['Alice', 'Bob', 'Carol']) await joinCall(name);
    for (const [name, p] of people) {
      const page = await p.page.evaluate(() => ({ protocol: location.protocol, secure: window.isSecureContext }));
      assert.deepEqual(page, { protocol: 'https:', secure: true }, `${name}'s page`);
      const urls = sockets.get(name)!;
      assert.equal(urls.length, 1, `${name} opened one WebSocket: ${urls.join(', ')}`);
      assert.match(urls[0]!, /^wss:\/\/127\.0\.0\.1:\d+\/rtc/, `${name} signals over wss`);
    }
    await expectAllDecoding(['Alice', 'Bob', 'Carol']);
  }));

  test('the certificate is renewed mid-call: new TLS connections get it, the call goes on undisturbed', withDiagnostics(async () => {
    assert.equal(await servedFingerprint(server.port), first.fingerprint256);
    const swappedAt = Date.now();
    swapSymlink(certLink, second.certPath);
    swapSymlink(keyLink, second.keyPath);
    await waitFor(async () => (await servedFingerprint(server.port)) === second.fingerprint256, {
      timeout: 5_000,
      interval: 100,
      message: 'a new TLS connection is given the renewed certificate',
    });
    console.log(`[measure] e2e_tls_reload_after_swap_ms=${Date.now() - swappedAt}`);
    // Frames keep being decoded after the renewal (expectVideoDecoded waits for a rise from now).
    await expectAllDecoding(['Alice', 'Bob', 'Carol']);
    for (const [name, urls] of sockets) assert.equal(urls.length, 1, `${name}'s signaling was not reconnected: ${urls.join(', ')}`);
    for (const [name, p] of people) {
      const state = await p.page.evaluate(() => document.body.dataset['state']);
      assert.equal(state, 'in-room', `${name} is still in the room`);
    }
  }));

  test('Dave joins after the renewal, is given the new certificate, and sees and is seen by everyone', withDiagnostics(async () => {
    let subject: string | undefined;
    const dave = await openParticipant(browser, server.httpBase, ROOM, 'Dave', {
      path: `/r/${ROOM}?name=Dave&prejoin=0`,
      beforeGoto: async (page) =>
        void page.on('response', (res) => {
          if (res.request().isNavigationRequest()) void res.securityDetails().then((d) => (subject ??= d?.subjectName));
        }),
    });
    people.set('Dave', dave);
    await waitFor(() => subject, { timeout: 5_000, message: 'security details of Dave\'s page' });
    assert.equal(subject, 'confab-e2e-second', 'Dave\'s page was served with the renewed certificate');
    await expectAllDecoding(['Alice', 'Bob', 'Carol', 'Dave']);
    await screenshot(dave.page, 'https-4-people-dave.png');
  }));
});

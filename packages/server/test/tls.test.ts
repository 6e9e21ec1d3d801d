/**
 * HTTPS and WSS built in (docs/deploy.md), against the real server process: a self-signed
 * certificate made with openssl, renewed the way certbot does it while a WebSocket stays open,
 * SIGHUP, the plain-HTTP redirect port, start-up refusing bad files with one line, and
 * X-Forwarded-For honoured only from CONFAB_TRUST_PROXY.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  REPO_ROOT,
  ServerProcess,
  freePort,
  httpGet,
  makeTestCertificate,
  servedFingerprint,
  sleep,
  swapSymlink,
  waitUntil,
  type TestCertificate,
} from '@confab/loadtest';
import { WsClient } from './support/wsClient';

const dir = mkdtempSync(join(tmpdir(), 'confab-tls-'));
const clients: WsClient[] = [];
after(() => {
  for (const c of clients) c.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A wss:// client that accepts the test's self-signed certificate. */
async function wss(server: ServerProcess): Promise<WsClient> {
  const c = await WsClient.open(server.rtcUrl, { rejectUnauthorized: false });
  clients.push(c);
  return c;
}

/** Waits until a new TLS connection is given the certificate with `fingerprint`. */
async function expectServed(port: number, fingerprint: string, what: string, timeoutMs = 5_000): Promise<number> {
  const started = Date.now();
  let seen = '';
  while (Date.now() - started < timeoutMs) {
    seen = await servedFingerprint(port);
    if (seen === fingerprint) return Date.now() - started;
    await sleep(100);
  }
  throw new Error(`${what}: still served ${seen} after ${timeoutMs} ms, want ${fingerprint}`);
}

/** Server log lines (pino JSON) with this msg. */
function logged(server: ServerProcess, msg: string): Record<string, unknown>[] {
  return server.output.flatMap((line) => {
    try {
      const entry = JSON.parse(line) as Record<string, unknown>;
      return entry['msg'] === msg ? [entry] : [];
    } catch {
      return [];
    }
  });
}

describe('HTTPS and WSS on CONFAB_PORT', { timeout: 120_000 }, () => {
  // certbot's layout: live/ holds symlinks into archive/, renewed by swapping the symlinks.
  const live = join(dir, 'live');
  const archive = join(dir, 'archive');
  const certLink = join(live, 'fullchain.pem');
  const keyLink = join(live, 'privkey.pem');
  let first: TestCertificate;
  let server: ServerProcess;
  let redirectPort: number;

  before(async () => {
    mkdirSync(live, { recursive: true });
    first = makeTestCertificate(archive, 'cert1', 'confab-first');
    symlinkSync(join('..', 'archive', 'cert1.pem'), certLink);
    symlinkSync(join('..', 'archive', 'cert1.key'), keyLink);
    redirectPort = await freePort();
    // Where certbot --webroot -w <dir> writes its HTTP-01 challenge files.
    mkdirSync(join(dir, 'acme', '.well-known', 'acme-challenge'), { recursive: true });
    writeFileSync(join(dir, 'acme', '.well-known', 'acme-challenge', 'tok-123_ABC'), 'tok-123_ABC.thumbprint');
    writeFileSync(join(dir, 'acme', 'secret.txt'), 'not for the web');
    server = await ServerProcess.start({
      logLevel: 'info',
      env: {
        CONFAB_TLS_CERT: certLink,
        CONFAB_TLS_KEY: keyLink,
        CONFAB_HTTP_REDIRECT_PORT: String(redirectPort),
        CONFAB_ACME_WEBROOT: join(dir, 'acme'),
        CONFAB_MEDIA_WORKERS: '1',
      },
    });
  });
  after(async () => {
    await server?.stop();
  });

  test('https GET /healthz and a wss:// join work; plain HTTP on CONFAB_PORT gets no page', async () => {
    assert.equal(server.httpBase, `https://127.0.0.1:${server.port}`);
    const health = await httpGet(`${server.httpBase}/healthz`, 5_000);
    assert.deepEqual(health, { status: 200, body: 'ok\n' });
    assert.equal(await servedFingerprint(server.port), first.fingerprint256);
    const ann = await wss(server);
    const joined = await ann.join('tls-room', 'Ann');
    assert.equal(joined.room, 'tls-room');
    ann.close();
    await assert.rejects(httpGet(`http://127.0.0.1:${server.port}/healthz`, 2_000), 'the TLS port does not speak plain HTTP');
  });

  test('the redirect port answers plain HTTP with a 308 to the same path and query over https; /healthz directly', async () => {
    const res = await rawGet(redirectPort, '/r/demo?name=Ann&prejoin=0', 'meet.example.com');
    assert.equal(res.status, 308);
    assert.equal(res.location, `https://meet.example.com:${server.port}/r/demo?name=Ann&prejoin=0`);
    const local = await rawGet(redirectPort, '/', `127.0.0.1:${redirectPort}`);
    assert.equal(local.location, `https://127.0.0.1:${server.port}/`);
    assert.equal((await httpGet(`http://127.0.0.1:${redirectPort}/healthz`, 2_000)).status, 200);
  });

  test('the redirect port answers ACME HTTP-01 challenges from CONFAB_ACME_WEBROOT, and nothing else from there', async () => {
    const challenge = await httpGet(`http://127.0.0.1:${redirectPort}/.well-known/acme-challenge/tok-123_ABC`, 2_000);
    assert.deepEqual(challenge, { status: 200, body: 'tok-123_ABC.thumbprint' });
    assert.equal((await httpGet(`http://127.0.0.1:${redirectPort}/.well-known/acme-challenge/missing`, 2_000)).status, 404);
    for (const path of ['/.well-known/acme-challenge/..%2F..%2Fsecret.txt', '/.well-known/acme-challenge/%2e%2e', '/.well-known/acme-challenge/']) {
      const res = await rawGet(redirectPort, path, 'meet.example.com');
      assert.notEqual(res.status, 200, `${path} is not served`); // 404, or redirected once the URL is normalised
    }
  });

  test('a certbot-style renewal is picked up without a restart; an open WebSocket stays up', async () => {
    const bob = await wss(server);
    await bob.join('renewal-room', 'Bob');
    const second = makeTestCertificate(archive, 'cert2', 'confab-second');
    assert.notEqual(second.fingerprint256, first.fingerprint256);
    const swappedAt = Date.now();
    swapSymlink(certLink, second.certPath);
    swapSymlink(keyLink, second.keyPath);
    const tookMs = await expectServed(server.port, second.fingerprint256, 'after the symlink swap');
    console.log(`[measure] tls_reload_after_swap_ms=${Date.now() - swappedAt} (polled ${tookMs} ms)`);
    // Still connected, and still answered: the socket was not cut by the new context.
    assert.equal(bob.closeCode, undefined, 'the open WebSocket was not closed');
    bob.send({ type: 'chat', id: 7, text: 'still here' });
    await bob.next('chat', (m) => m.text === 'still here');
    const carl = await wss(server);
    await carl.join('renewal-room', 'Carl');
    await bob.next('participant_joined', (m) => m.participant.name === 'Carl');
    assert.ok(logged(server, 'tls certificate reloaded').some((e) => e['reason'] === 'files changed'));
  });

  test('a half-written certificate is not used: the old one stays, one error is logged; the finished file is', async () => {
    const current = await servedFingerprint(server.port);
    const third = makeTestCertificate(archive, 'cert3', 'confab-third');
    const half = join(archive, 'cert3-half.pem');
    writeFileSync(half, readHalf(third.certPath));
    const errorsBefore = logged(server, 'tls certificate reload failed; still serving the previous certificate').length;
    swapSymlink(keyLink, third.keyPath);
    swapSymlink(certLink, half);
    await waitUntil(
      () => logged(server, 'tls certificate reload failed; still serving the previous certificate').length > errorsBefore,
      5_000,
      'an error for the half-written file',
    );
    await sleep(1_500); // the debounce and any retry have run
    assert.equal(await servedFingerprint(server.port), current, 'still the previous certificate');
    const errors = logged(server, 'tls certificate reload failed; still serving the previous certificate').slice(errorsBefore);
    assert.equal(errors.length, 1, `one error, got ${JSON.stringify(errors)}`);
    assert.match(String(errors[0]!['error']), new RegExp(`CONFAB_TLS_CERT ${certLink}`));
    swapSymlink(certLink, third.certPath);
    await expectServed(server.port, third.fingerprint256, 'after the file was finished');
  });

  test('SIGHUP reloads a change no watch sees (the symlink target rewritten in place)', async () => {
    const fourth = makeTestCertificate(join(dir, 'elsewhere'), 'cert4', 'confab-fourth');
    // live/ is unchanged; the files it points at are rewritten where they are.
    const target = join(archive, 'cert3.pem');
    const targetKey = join(archive, 'cert3.key');
    copyFileSync(fourth.certPath, target);
    copyFileSync(fourth.keyPath, targetKey);
    assert.notEqual(await servedFingerprint(server.port), fourth.fingerprint256, 'not picked up before SIGHUP');
    server.signal('SIGHUP');
    await expectServed(server.port, fourth.fingerprint256, 'after SIGHUP', 3_000);
    // The 10 s poll may have found the rewrite first and served it; SIGHUP's own reload follows it.
    await waitUntil(() => logged(server, 'tls certificate reloaded').some((e) => e['reason'] === 'SIGHUP'), 3_000, "SIGHUP's reload logged");
    assert.equal(server.running, true, 'SIGHUP did not stop the server');
  });
});

describe('bad TLS files stop start-up with one line naming the file', { timeout: 60_000 }, () => {
  let good: TestCertificate;
  let other: TestCertificate;
  before(() => {
    good = makeTestCertificate(join(dir, 'startup'), 'good');
    other = makeTestCertificate(join(dir, 'startup'), 'other');
  });

  const cases: [string, () => Record<string, string>, () => string][] = [
    ['a broken certificate', () => {
      const broken = join(dir, 'startup', 'broken.pem');
      writeFileSync(broken, '-----BEGIN CERTIFICATE-----\nnot base64 at all\n-----END CERTIFICATE-----\n');
      return { CONFAB_TLS_CERT: broken, CONFAB_TLS_KEY: good.keyPath };
    }, () => `CONFAB_TLS_CERT ${join(dir, 'startup', 'broken.pem')}: `],
    ['a missing key file', () => ({ CONFAB_TLS_CERT: good.certPath, CONFAB_TLS_KEY: join(dir, 'startup', 'nope.key') }),
      () => `CONFAB_TLS_KEY ${join(dir, 'startup', 'nope.key')}: no such file`],
    ['a key that does not match the certificate', () => ({ CONFAB_TLS_CERT: good.certPath, CONFAB_TLS_KEY: other.keyPath }),
      () => `CONFAB_TLS_KEY ${other.keyPath}: does not match the certificate in ${good.certPath}`],
    ['a certificate file given as the key', () => ({ CONFAB_TLS_CERT: good.certPath, CONFAB_TLS_KEY: good.certPath }),
      () => `CONFAB_TLS_KEY ${good.certPath}: not a PEM private key`],
  ];
  for (const [what, env, expected] of cases) {
    test(what, async () => {
      const run = await runServer(env());
      assert.notEqual(run.code, 0, 'non-zero exit');
      const lines = run.stderr.trim().split('\n');
      assert.equal(lines.length, 1, `one line on stderr, got:\n${run.stderr}`);
      assert.ok(lines[0]!.includes(expected()), `"${lines[0]}" should include "${expected()}"`);
      assert.doesNotMatch(run.stderr, /\n\s+at /, 'no stack trace');
      console.log(`[note] ${what}: ${lines[0]}`);
    });
  }
});

describe('X-Forwarded-For and CONFAB_TRUST_PROXY (per-address connection limit of 1)', { timeout: 60_000 }, () => {
  let server: ServerProcess;
  before(async () => {
    server = await ServerProcess.start({
      env: { CONFAB_MAX_CONNECTIONS_PER_IP: '1', CONFAB_TRUST_PROXY: '127.0.0.2', CONFAB_MEDIA_WORKERS: '0' },
    });
  });
  after(async () => {
    await server?.stop();
  });

  const open = async (localAddress: string, forwardedFor: string) => {
    const c = await WsClient.open(server.rtcUrl, { localAddress, headers: { 'x-forwarded-for': forwardedFor } });
    clients.push(c);
    return c;
  };
  const refused = async (c: WsClient) => (await Promise.race([c.closed(), sleep(1_500).then(() => undefined)])) === 1013;

  test('from the trusted proxy, each forwarded client has its own limit', async () => {
    const a = await open('127.0.0.2', '203.0.113.1, 198.51.100.1');
    const b = await open('127.0.0.2', '203.0.113.1, 198.51.100.2');
    assert.equal(await refused(a), false, 'first client of 198.51.100.1 admitted');
    assert.equal(await refused(b), false, 'another client behind the same proxy admitted');
    const again = await open('127.0.0.2', '198.51.100.1');
    assert.equal(await refused(again), true, 'a second connection of 198.51.100.1 is over its limit');
  });

  test('from an untrusted peer the header is ignored: its own address is counted', async () => {
    const a = await open('127.0.0.3', '198.51.100.3');
    assert.equal(await refused(a), false);
    const b = await open('127.0.0.3', '198.51.100.4');
    assert.equal(await refused(b), true, 'a forged X-Forwarded-For does not buy another slot');
  });
});

/** Runs main.ts to its exit with these settings (no TLS files are fixed up): exit code and output. */
async function runServer(env: Record<string, string>): Promise<{ code: number | null; stderr: string; stdout: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'packages/server/src/main.ts'], {
    cwd: REPO_ROOT,
    env: { ...process.env, CONFAB_HOST: '127.0.0.1', CONFAB_PORT: String(await freePort()), CONFAB_MEDIA_WORKERS: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
  clearTimeout(timer);
  return { code, stderr, stdout };
}

/** Plain HTTP GET with a chosen Host header: status and Location. */
function rawGet(port: number, path: string, host: string): Promise<{ status: number; location: string | undefined }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers: { host }, agent: false }, (res) => {
      res.resume();
      resolve({ status: res.statusCode ?? 0, location: res.headers.location });
    });
    req.on('error', reject);
    req.end();
  });
}

/** The first half of a PEM file: what a reader sees while it is being written. */
function readHalf(path: string): string {
  const text = readFileSync(path, 'utf8');
  return text.slice(0, Math.floor(text.length / 2));
}

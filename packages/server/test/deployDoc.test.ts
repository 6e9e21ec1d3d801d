/**
 * docs/deploy.md cannot go stale: the server is started with exactly the environment the guide
 * tells people to write into /etc/confab/confab.env (its one `dotenv` block), with only the
 * placeholders the guide lists replaced by test values; then https, the redirect, and a wss join
 * are checked. The shipped systemd unit and the HAProxy excerpt are checked against it too.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { get } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { REPO_ROOT, freePort, httpGet, makeTestCertificate, servedFingerprint, sleep, type TestCertificate } from '@confab/loadtest';
import { WsClient } from './support/wsClient';

const guide = readFileSync(join(REPO_ROOT, 'docs', 'deploy.md'), 'utf8');
const dir = mkdtempSync(join(tmpdir(), 'confab-deploy-doc-'));

/** The contents of every fenced block tagged `lang` in the guide. */
function fencedBlocks(lang: string): string[] {
  return [...guide.matchAll(/^```([^\n]*)\n([\s\S]*?)^```$/gm)].filter((m) => m[1]!.trim() === lang).map((m) => m[2]!);
}

/** KEY=VALUE lines as systemd's EnvironmentFile= reads them (comments and blank lines skipped, quotes removed). */
function parseEnvFile(text: string): [string, string][] {
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const eq = line.indexOf('=');
      assert.ok(eq > 0, `not KEY=VALUE: ${line}`);
      const value = line.slice(eq + 1).trim().replace(/^"(.*)"$/, '$1').replace(/^'(.*)'$/, '$1');
      return [line.slice(0, eq).trim(), value];
    });
}

/** A base port with `count` consecutive ports free for both UDP and TCP on loopback. */
async function freeRange(count: number): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = await freePort();
    if (base + count - 1 > 65535) continue;
    let free = true;
    for (let port = base; port < base + count && free; port++) free = (await tcpFree(port)) && (await udpFree(port));
    if (free) return base;
  }
  throw new Error(`no ${count} consecutive free ports`);
}

function tcpFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

function udpFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createSocket('udp4');
    s.once('error', () => resolve(false));
    s.bind(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

describe('docs/deploy.md, followed to the letter', { timeout: 150_000 }, () => {
  const blocks = fencedBlocks('dotenv');
  let entries: [string, string][];
  let env: Record<string, string>;
  let cert: TestCertificate;
  let ports: { https: number; redirect: number; rtc: number };
  let child: ChildProcess | undefined;
  const output: string[] = [];

  before(async () => {
    assert.equal(blocks.length, 1, 'docs/deploy.md has exactly one dotenv block (/etc/confab/confab.env)');
    entries = parseEnvFile(blocks[0]!);
    const workers = Number(entries.find(([k]) => k === 'CONFAB_MEDIA_WORKERS')?.[1] ?? '1');
    cert = makeTestCertificate(join(dir, 'tls'), 'deploy');
    ports = { https: await freePort(), redirect: await freePort(), rtc: await freeRange(Math.max(1, workers)) };
    mkdirSync(join(dir, 'acme'));
  });
  after(async () => {
    if (child && child.exitCode === null) {
      const exited = new Promise((resolve) => child!.once('exit', resolve));
      child.kill('SIGTERM');
      await Promise.race([exited, sleep(10_000).then(() => child!.kill('SIGKILL'))]);
    }
    rmSync(dir, { recursive: true, force: true });
  });

  test('the env block is CONFAB_* settings only, with the TLS, address and TURN ones the guide explains', () => {
    for (const [key] of entries) assert.match(key, /^CONFAB_[A-Z0-9_]+$/, `a setting, not ${key}`);
    const keys = new Set(entries.map(([k]) => k));
    for (const key of ['CONFAB_PORT', 'CONFAB_TLS_CERT', 'CONFAB_TLS_KEY', 'CONFAB_PUBLIC_IP', 'CONFAB_HTTP_REDIRECT_PORT', 'CONFAB_TURN_URLS', 'CONFAB_TURN_SECRET']) {
      assert.ok(keys.has(key), `the block sets ${key}`);
    }
    assert.equal(keys.size, entries.length, 'no setting twice');
  });

  test('the server starts with exactly that block (placeholders replaced) and serves https, the redirect and a wss join', async () => {
    // The placeholders docs/deploy.md lists, and nothing else.
    const byValue: Record<string, string> = {
      '/etc/confab/tls/fullchain.pem': cert.certPath,
      '/etc/confab/tls/privkey.pem': cert.keyPath,
      '/var/lib/confab/acme': join(dir, 'acme'),
    };
    const portKeys: Record<string, Record<string, number>> = {
      CONFAB_PORT: { '443': ports.https },
      CONFAB_HTTP_REDIRECT_PORT: { '80': ports.redirect },
      CONFAB_RTC_PORT: { '40000': ports.rtc },
      CONFAB_RTC_TCP_PORT: { '40000': ports.rtc },
    };
    env = {};
    for (const [key, raw] of entries) {
      let value = byValue[raw] ?? raw;
      if (key in portKeys) {
        const port = portKeys[key]![raw];
        assert.ok(port !== undefined, `${key}=${raw}: the test knows only the guide's port (${Object.keys(portKeys[key]!).join(', ')})`);
        value = String(port);
      }
      if (key === 'CONFAB_TURN_SECRET') value = 'deploy-doc-test-secret';
      value = value.replaceAll('203.0.113.10', '127.0.0.1').replaceAll('turn.example.com', '127.0.0.1');
      for (const placeholder of ['example.com', '203.0.113.', '/etc/', '/var/lib/', 'replace-with']) {
        assert.ok(!value.includes(placeholder), `${key}=${value}: a placeholder the test does not replace (${placeholder})`);
      }
      env[key] = value;
    }
    // A setting from a newer guide (or another engineer's feature) must not stop this version.
    env['CONFAB_FROM_A_LATER_VERSION'] = 'whatever';
    const inherited = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('CONFAB_')));
    child = spawn(process.execPath, ['--import', 'tsx', 'packages/server/src/main.ts'], {
      cwd: REPO_ROOT,
      env: { ...inherited, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const keep = (chunk: Buffer) => output.push(...chunk.toString().split('\n').filter(Boolean));
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);
    const base = `https://127.0.0.1:${ports.https}`;
    const deadline = Date.now() + 60_000; // generous: start-up on a loaded 2-core CI machine
    let health: { status: number; body: string } | undefined;
    while (Date.now() < deadline && child.exitCode === null) {
      health = await httpGet(`${base}/healthz`, 1_000).catch(() => undefined);
      if (health?.status === 200) break;
      await sleep(200);
    }
    assert.deepEqual(health, { status: 200, body: 'ok\n' }, `https /healthz; server output:\n${output.join('\n')}`);
    assert.equal(await servedFingerprint(ports.https), cert.fingerprint256, 'the certificate from CONFAB_TLS_CERT is served');

    const redirect = await getNoFollow(`http://127.0.0.1:${ports.redirect}/r/demo?name=Ann`);
    assert.equal(redirect.status, 308);
    assert.equal(redirect.location, `${base}/r/demo?name=Ann`);

    const ann = await WsClient.open(`wss://127.0.0.1:${ports.https}/rtc`, { rejectUnauthorized: false });
    try {
      const joined = await ann.join('deploy-doc', 'Ann');
      assert.equal(joined.room, 'deploy-doc');
      console.log(`[note] joined with the guide's settings; iceServers: ${JSON.stringify(joined.iceServers ?? [])}`);
    } finally {
      ann.close();
    }
  });

  test('deploy/confab.service runs what the guide says: the built server, as confab, with the env file, restarted on failure', () => {
    const unit = readFileSync(join(REPO_ROOT, 'deploy', 'confab.service'), 'utf8');
    const lines = new Set(unit.split('\n').map((l) => l.trim()));
    for (const line of ['User=confab', 'EnvironmentFile=/etc/confab/confab.env', 'Restart=on-failure', 'NoNewPrivileges=yes', 'ExecReload=/bin/kill -HUP $MAINPID']) {
      assert.ok(lines.has(line), `the unit has ${line}`);
    }
    const exec = /^ExecStart=\S+ \/opt\/confab\/(\S+)$/m.exec(unit);
    assert.ok(exec, 'ExecStart runs node on a file under /opt/confab');
    assert.equal(exec[1], 'packages/server/dist/main.js', 'the file npm run build writes (scripts/build.mjs)');
    assert.match(readFileSync(join(REPO_ROOT, 'scripts', 'build.mjs'), 'utf8'), /main: `\$\{root\}packages\/server\/src\/main\.ts`/);
    // Hardening must not take away what media needs.
    const families = /^RestrictAddressFamilies=(.*)$/m.exec(unit)?.[1]?.split(/\s+/) ?? [];
    for (const family of ['AF_INET', 'AF_INET6', 'AF_NETLINK']) assert.ok(families.includes(family), `sockets of ${family} allowed`);
    assert.doesNotMatch(unit, /^(PrivateNetwork=yes|MemoryDenyWriteExecute=yes|IPAddressDeny=)/m, 'nothing that breaks media or V8');
    const verify = spawnSync('systemd-analyze', ['verify', join(REPO_ROOT, 'deploy', 'confab.service')], { encoding: 'utf8' });
    if (verify.error) console.log('[note] systemd-analyze not installed; unit syntax not verified');
    else assert.equal(verify.stderr.split('\n').filter((l) => l && !l.includes('/opt/confab')).join('\n'), '', 'systemd-analyze verify is silent');
  });

  test('the HAProxy excerpt is a valid configuration', (t) => {
    const haproxy = ['/usr/sbin/haproxy', '/usr/bin/haproxy'].find((p) => existsSync(p));
    if (!haproxy) return t.skip('haproxy is not installed');
    const [excerpt] = fencedBlocks('haproxy');
    assert.ok(excerpt, 'docs/deploy.md has a haproxy block');
    const pem = join(dir, 'haproxy.pem');
    writeFileSync(pem, readFileSync(cert.certPath, 'utf8') + readFileSync(cert.keyPath, 'utf8'));
    const cfg = join(dir, 'haproxy.cfg');
    // Debian's haproxy.cfg starts with global and defaults sections; the excerpt goes after them.
    const defaults = 'defaults\n    mode http\n    timeout connect 5s\n    timeout client 50s\n    timeout server 50s\n';
    writeFileSync(cfg, defaults + excerpt.replaceAll('/etc/haproxy/certs/meet.example.com.pem', pem));
    const check = spawnSync(haproxy, ['-c', '-f', cfg], { encoding: 'utf8' });
    assert.equal(check.status, 0, `haproxy -c:\n${check.stdout}${check.stderr}`);
  });
});

/** GET without following redirects: status and Location. */
function getNoFollow(url: string): Promise<{ status: number; location?: string }> {
  return new Promise((resolve, reject) => {
    get(url, { agent: false }, (res) => {
      res.resume();
      resolve({ status: res.statusCode ?? 0, location: res.headers.location });
    }).on('error', reject);
  });
}

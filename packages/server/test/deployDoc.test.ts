/**
 * docs/deploy.md cannot go stale: the server is started with exactly the environment the guide
 * tells people to write into /etc/confab/confab.env (its one `dotenv` block), with only the
 * placeholders the guide lists replaced by test values; then https, the redirect, and a wss join
 * are checked. The shipped systemd unit and the HAProxy excerpt are checked against it too.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { get } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { REPO_ROOT, freePort, freePortRange, httpGet, makeTestCertificate, servedFingerprint, sleep, type TestCertificate } from '@confab/loadtest';
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

/** A child process whose output is kept for failure messages, stopped by `after`. */
interface Running {
  child: ChildProcess;
  output: string[];
}
const running: Running[] = [];

function startProcess(command: string, args: string[], env: Record<string, string>): Running {
  // The inherited environment minus every CONFAB_*: the server gets exactly what the test gives it.
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('CONFAB_')));
  const child = spawn(command, args, { cwd: REPO_ROOT, env: { ...inherited, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const r: Running = { child, output: [] };
  const keep = (chunk: Buffer) => r.output.push(...chunk.toString().split('\n').filter(Boolean));
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  running.push(r);
  return r;
}

function startConfab(env: Record<string, string>): Running {
  return startProcess(process.execPath, ['--import', 'tsx', 'packages/server/src/main.ts'], env);
}

/** Polls `url` until it answers 200 (generous: start-up on a loaded 2-core CI machine). */
async function waitHealthy(url: string, processes: Running[]): Promise<void> {
  const deadline = Date.now() + 60_000;
  let health: { status: number; body: string } | undefined;
  while (Date.now() < deadline && processes.every((p) => p.child.exitCode === null)) {
    health = await httpGet(url, 1_000).catch(() => undefined);
    if (health?.status === 200) return;
    await sleep(200);
  }
  throw new Error(`${url} never answered 200 (last: ${JSON.stringify(health)}); output:\n${processes.map((p) => p.output.join('\n')).join('\n---\n')}`);
}

async function stopAll(): Promise<void> {
  for (const { child } of running) {
    if (child.exitCode !== null || child.signalCode !== null) continue;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await Promise.race([exited, sleep(10_000).then(() => child.kill('SIGKILL'))]);
  }
}

describe('docs/deploy.md, followed to the letter', { timeout: 150_000 }, () => {
  const blocks = fencedBlocks('dotenv');
  let entries: [string, string][];

  /** The guide's settings with the placeholders docs/deploy.md lists replaced, and nothing else. */
  function substitute(settings: [string, string][]): Record<string, string> {
    const byValue: Record<string, string> = {
      '/etc/confab/tls/fullchain.pem': cert.certPath,
      '/etc/confab/tls/privkey.pem': cert.keyPath,
      '/var/lib/confab/acme': join(dir, 'acme'),
    };
    const portKeys: Record<string, Record<string, number>> = {
      CONFAB_PORT: { '443': ports.https, '8080': ports.behindProxy },
      CONFAB_HTTP_REDIRECT_PORT: { '80': ports.redirect },
      CONFAB_RTC_PORT: { '40000': ports.rtc },
      CONFAB_RTC_TCP_PORT: { '40000': ports.rtc },
    };
    const env: Record<string, string> = {};
    for (const [key, raw] of settings) {
      let value = byValue[raw] ?? raw;
      if (key in portKeys) {
        const port = portKeys[key]![raw];
        assert.ok(port !== undefined, `${key}=${raw}: the test knows only the guide's ports (${Object.keys(portKeys[key]!).join(', ')})`);
        value = String(port);
      }
      if (key === 'CONFAB_TURN_SECRET') value = 'deploy-doc-test-secret';
      value = value.replaceAll('203.0.113.10', '127.0.0.1').replaceAll('turn.example.com', '127.0.0.1');
      for (const placeholder of ['example.com', '203.0.113.', '/etc/', '/var/lib/', 'replace-with']) {
        assert.ok(!value.includes(placeholder), `${key}=${value}: a placeholder the test does not replace (${placeholder})`);
      }
      env[key] = value;
    }
    return env;
  }
  let cert: TestCertificate;
  let ports: { https: number; redirect: number; rtc: number; behindProxy: number };

  before(async () => {
    assert.equal(blocks.length, 1, 'docs/deploy.md has exactly one dotenv block (/etc/confab/confab.env)');
    entries = parseEnvFile(blocks[0]!);
    const workers = Number(entries.find(([k]) => k === 'CONFAB_MEDIA_WORKERS')?.[1] ?? '1');
    cert = makeTestCertificate(join(dir, 'tls'), 'deploy');
    ports = { https: await freePort(), redirect: await freePort(), rtc: await freePortRange(Math.max(1, workers)), behindProxy: await freePort() };
    mkdirSync(join(dir, 'acme'));
  });
  after(async () => {
    await stopAll();
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
    const env = substitute(entries);
    // A setting from a newer guide (or another engineer's feature) must not stop this version.
    env['CONFAB_FROM_A_LATER_VERSION'] = 'whatever';
    const confab = startConfab(env);
    const base = `https://127.0.0.1:${ports.https}`;
    await waitHealthy(`${base}/healthz`, [confab]);
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
      await stopAll();
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

  test('the nftables ruleset parses, and opens every port the env block uses', (t) => {
    const [ruleset] = fencedBlocks('nft');
    assert.ok(ruleset, 'docs/deploy.md has an nft block');
    const settings = new Map(entries);
    const workers = Number(settings.get('CONFAB_MEDIA_WORKERS') ?? '1');
    const lastRtc = (base: string | undefined) => (base === undefined ? undefined : `${base}-${Number(base) + workers - 1}`);
    const tcp = /tcp dport \{([^}]*)\} accept/.exec(ruleset)?.[1] ?? '';
    const udp = /udp dport \{([^}]*)\} accept/.exec(ruleset)?.[1] ?? '';
    const has = (list: string, port: string | undefined) => port === undefined || list.split(',').map((p) => p.trim()).includes(port);
    assert.ok(has(tcp, settings.get('CONFAB_PORT')), `tcp ${settings.get('CONFAB_PORT')} open`);
    assert.ok(has(tcp, settings.get('CONFAB_HTTP_REDIRECT_PORT')), 'the redirect port open');
    assert.ok(has(tcp, lastRtc(settings.get('CONFAB_RTC_TCP_PORT'))), 'ICE-TCP ports open, one per worker');
    assert.ok(has(udp, lastRtc(settings.get('CONFAB_RTC_PORT'))), 'media UDP ports open, one per worker');
    for (const port of ['3478', '5349']) assert.ok(has(tcp, port), `TURN tcp ${port}`);
    assert.ok(has(udp, '3478') && has(udp, '49152-65535'), 'TURN udp and its relay range');
    const nft = ['/usr/sbin/nft', '/sbin/nft'].find((p) => existsSync(p));
    if (!nft) return t.skip('nft is not installed: syntax not checked');
    const file = join(dir, 'nftables.conf');
    writeFileSync(file, ruleset);
    const check = spawnSync(nft, ['-c', '-f', file], { encoding: 'utf8' });
    assert.equal(check.status, 0, `nft -c -f:\n${check.stdout}${check.stderr}`);
  });

  test('behind HAProxy as section 7 says: https through the proxy, and the per-address limit counts each client, not the proxy', async (t) => {
    const haproxy = ['/usr/sbin/haproxy', '/usr/bin/haproxy'].find((p) => existsSync(p));
    if (!haproxy) return t.skip('haproxy is not installed');
    const proxied = fencedBlocks('dotenv behind-haproxy');
    assert.equal(proxied.length, 1, 'docs/deploy.md has one `dotenv behind-haproxy` block');
    const tlsKeys = new Set(['CONFAB_TLS_CERT', 'CONFAB_TLS_KEY', 'CONFAB_HTTP_REDIRECT_PORT', 'CONFAB_ACME_WEBROOT']);
    const env: Record<string, string> = {
      ...substitute(entries.filter(([k]) => !tlsKeys.has(k))),
      ...substitute(parseEnvFile(proxied[0]!)),
      CONFAB_MAX_CONNECTIONS_PER_IP: '1', // the test's own: one connection per client shows whose address counts
    };
    assert.equal(env['CONFAB_TRUST_PROXY'], '127.0.0.1', 'the guide trusts the proxy on loopback');

    const [excerpt] = fencedBlocks('haproxy');
    assert.ok(excerpt, 'docs/deploy.md has a haproxy block');
    const pem = join(dir, 'haproxy.pem');
    writeFileSync(pem, readFileSync(cert.certPath, 'utf8') + readFileSync(cert.keyPath, 'utf8'));
    const front = { https: await freePort(), http: await freePort(), certbot: await freePort() };
    const replaced = excerpt
      .replace('/etc/haproxy/certs/meet.example.com.pem', pem)
      .replace(/bind :443\b/, `bind 127.0.0.1:${front.https}`)
      .replace(/bind :80\b/, `bind 127.0.0.1:${front.http}`)
      .replace('127.0.0.1:8080', `127.0.0.1:${ports.behindProxy}`)
      .replace('127.0.0.1:8888', `127.0.0.1:${front.certbot}`);
    for (const placeholder of ['example.com', ':443', ':80 ', ':8080', ':8888']) {
      assert.ok(!replaced.includes(placeholder), `the haproxy excerpt has a placeholder the test does not replace: ${placeholder}`);
    }
    const cfg = join(dir, 'haproxy.cfg');
    // Debian's haproxy.cfg starts with global and defaults sections; the excerpt goes after them.
    writeFileSync(cfg, 'defaults\n    mode http\n    timeout connect 5s\n    timeout client 50s\n    timeout server 50s\n' + replaced);
    const check = spawnSync(haproxy, ['-c', '-f', cfg], { encoding: 'utf8' });
    assert.equal(check.status, 0, `haproxy -c:\n${check.stdout}${check.stderr}`);

    const confab = startConfab(env);
    const proxy = startProcess(haproxy, ['-db', '-f', cfg], {});
    try {
      await waitHealthy(`https://127.0.0.1:${front.https}/healthz`, [confab, proxy]);
      const redirect = await getNoFollow(`http://127.0.0.1:${front.http}/r/demo?name=Ann`);
      assert.equal(redirect.status, 308);
      assert.match(redirect.location ?? '', /^https:\/\/127\.0\.0\.1(:\d+)?\/r\/demo\?name=Ann$/);

      // Every connection reaches Confab from HAProxy's 127.0.0.1; only X-Forwarded-For tells clients apart.
      const open = async (localAddress: string) => {
        const c = await WsClient.open(`wss://127.0.0.1:${front.https}/rtc`, { rejectUnauthorized: false, localAddress });
        const refused = (await Promise.race([c.closed(), sleep(1_500).then(() => undefined)])) === 1013;
        return { c, refused };
      };
      const first = await open('127.0.0.5');
      assert.equal(first.refused, false, '127.0.0.5 admitted');
      await first.c.join('behind-haproxy', 'Ann');
      const other = await open('127.0.0.6');
      assert.equal(other.refused, false, 'another client behind the same proxy admitted (its own limit)');
      const second = await open('127.0.0.5');
      assert.equal(second.refused, true, 'a second connection of 127.0.0.5 is over its limit of 1');
      for (const c of [first.c, other.c, second.c]) c.close();
    } finally {
      await stopAll();
    }
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

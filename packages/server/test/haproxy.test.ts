/**
 * deploy/haproxy.cfg, checked by the real HAProxy and then run (certificate, addresses and ports
 * replaced, HaproxyProcess.ts) in front of two real nodes: TLS ends at HAProxy, pages and WebSockets
 * reach both nodes, X-Forwarded-For gives the node the client's address, and a draining node
 * (/healthz 503) gets no new requests.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { get } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  HaproxyProcess,
  SHIPPED_HAPROXY_CFG,
  ServerProcess,
  freePort,
  httpGet,
  localHaproxyConfig,
  makeTestCertificate,
  metricsNodeId,
  servedFingerprint,
  sleep,
  type TestCertificate,
} from '@confab/loadtest';
import { WsClient } from './support/wsClient';

const dir = mkdtempSync(join(tmpdir(), 'confab-haproxy-test-'));
const shipped = readFileSync(SHIPPED_HAPROXY_CFG, 'utf8');
let cert: TestCertificate;
/** Certificate and key in one file, as HAProxy wants them. */
let pem: string;

function haproxyCheck(text: string, name: string): void {
  const file = join(dir, name);
  writeFileSync(file, text);
  const check = spawnSync('haproxy', ['-c', '-f', file], { encoding: 'utf8' });
  assert.equal(check.status, 0, `haproxy -c -f ${name}:\n${check.stdout}${check.stderr}`);
}

before(() => {
  cert = makeTestCertificate(dir, 'haproxy');
  pem = join(dir, 'haproxy.pem');
  writeFileSync(pem, readFileSync(cert.certPath, 'utf8') + readFileSync(cert.keyPath, 'utf8'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

test('haproxy -c accepts deploy/haproxy.cfg as shipped (only the certificate file replaced), and its local variants', () => {
  const placeholder = '/etc/haproxy/certs/meet.example.com.pem';
  assert.ok(shipped.includes(placeholder));
  haproxyCheck(shipped.replace(placeholder, pem), 'shipped.cfg');
  for (const option of ['timeout tunnel 1h', 'option httpchk GET /healthz', 'option forwardfor', 'stats enable', 'balance leastconn']) {
    assert.match(shipped, new RegExp(`^\\s+${option}$`, 'm'), option);
  }
  const servers = [{ name: 'node1', port: 9001 }, { name: 'node2', port: 9002 }];
  const plain = localHaproxyConfig(shipped, { servers, port: 9000, statsPort: 9010 });
  assert.doesNotMatch(plain, /ssl crt|redirect|chroot|^\s*user /m, 'the plain variant has no TLS, no redirect, no privilege drop');
  assert.match(plain, /^ {4}server node2 127\.0\.0\.1:9002$/m);
  haproxyCheck(plain, 'plain.cfg');
  haproxyCheck(localHaproxyConfig(shipped, { servers, port: 9000, statsPort: 9010, tlsPem: pem, httpPort: 9080 }), 'tls.cfg');
  assert.throws(() => localHaproxyConfig(shipped.replace('bind :80\n', ''), { servers, port: 1, statsPort: 2 }), /lines this derivation replaces are gone: http/);
});

describe('two nodes behind the shipped HAProxy, TLS at the proxy', { timeout: 120_000 }, () => {
  const nodes: ServerProcess[] = [];
  let proxy: HaproxyProcess;
  let httpPort: number;

  before(async () => {
    const started = await Promise.all(
      ['node-a', 'node-b'].map((id) =>
        ServerProcess.start({
          env: { CONFAB_NODE_ID: id, CONFAB_TRUST_PROXY: '127.0.0.1', CONFAB_SHUTDOWN_GRACE_SECONDS: '30', CONFAB_MEDIA_WORKERS: '0' },
        }),
      ),
    );
    nodes.push(...started);
    httpPort = await freePort();
    proxy = await HaproxyProcess.start({
      servers: nodes.map((n, i) => ({ name: `node${i + 1}`, port: n.port })),
      tlsPem: pem,
      httpPort,
    });
  });
  after(async () => {
    await proxy?.stop();
    // A second signal ends a draining node at once (main.ts).
    for (const node of nodes) node.signal('SIGTERM');
    await Promise.all(nodes.map((n) => n.stop()));
  });

  test('https and wss through the proxy reach both nodes; plain http is redirected', async () => {
    assert.equal(await servedFingerprint(proxy.port), cert.fingerprint256, 'HAProxy serves the certificate');
    const seen = new Set<string>();
    for (let i = 0; i < 6; i++) {
      const { status, body } = await httpGet(`${proxy.httpBase}/metrics`, 5_000);
      assert.equal(status, 200);
      seen.add(metricsNodeId(body) ?? '?');
    }
    assert.deepEqual([...seen].sort(), ['node-a', 'node-b'], 'requests are spread over both nodes, each names itself in /metrics');
    const redirect = await new Promise<{ status: number; location?: string }>((resolve, reject) => {
      get(`http://127.0.0.1:${httpPort}/r/demo`, { agent: false }, (res) => {
        res.resume();
        resolve({ status: res.statusCode ?? 0, location: res.headers.location });
      }).on('error', reject);
    });
    assert.equal(redirect.status, 308);
    assert.match(redirect.location ?? '', /^https:\/\/127\.0\.0\.1(:\d+)?\/r\/demo$/);

    const ann = await WsClient.open(proxy.rtcUrl, { rejectUnauthorized: false });
    try {
      assert.equal((await ann.join('through-haproxy', 'Ann')).room, 'through-haproxy');
    } finally {
      ann.close();
    }
  });

  test('X-Forwarded-For: the node logs the client address, with its own node id, not the proxy\'s address', async () => {
    const refused = await WsClient.open(proxy.rtcUrl, { rejectUnauthorized: false, localAddress: '127.0.0.5', origin: 'https://elsewhere.example' }).then(
      (c) => (c.close(), false),
      () => true,
    );
    assert.ok(refused, 'a foreign Origin is refused');
    const lines = () => nodes.flatMap((n) => n.output).filter((l) => l.includes('websocket refused: origin'));
    for (let i = 0; i < 50 && lines().length === 0; i++) await sleep(100);
    const [line] = lines();
    assert.ok(line, 'a node logged the refusal');
    const entry = JSON.parse(line) as Record<string, unknown>;
    assert.equal(entry['address'], '127.0.0.5');
    assert.match(String(entry['node']), /^node-[ab]$/);
  });

  test('a draining node (SIGTERM, /healthz 503) is taken out: new requests go to the other', async () => {
    const [, draining] = nodes;
    // A node with nobody on it exits at once; one participant keeps it draining for the grace period.
    const stay = await WsClient.open(draining!.rtcUrl);
    try {
      await stay.join('keeps-node-b-draining', 'Stay');
      draining!.signal('SIGTERM');
      const tookMs = await proxy.waitServers((s) => s.get('node2')?.startsWith('DOWN') === true, 15_000, 'node2 DOWN');
      console.log(`[measure] haproxy_drain_out_ms=${tookMs}`);
      assert.ok(draining!.running, 'still running (draining), so it was the health check that took it out');
      assert.equal(proxy.output.some((l) => /node2 is DOWN.*503/.test(l)), true, `HAProxy logged why:\n${proxy.output.filter((l) => l.includes('node2')).join('\n')}`);
      for (let i = 0; i < 6; i++) assert.equal(metricsNodeId((await httpGet(`${proxy.httpBase}/metrics`, 5_000)).body), 'node-a');
    } finally {
      stay.close();
    }
  });
});

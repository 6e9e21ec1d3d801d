/**
 * TURN with the real coturn: credentials that Confab hands out in `joined`, `ice_servers` and
 * `resumed` are accepted by `turnserver` over UDP, TCP and TLS; wrong and expired ones are
 * refused; the shipped deploy/turnserver.conf parses, runs, and keeps relays away from loopback,
 * private and multicast peers (the test opens only 127.0.0.1, the SFU's address, on top of it).
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import {
  CoturnProcess,
  deriveTurnserverConf,
  selfSignedCertificate,
  SHIPPED_TURNSERVER_CONF,
  TurnClient,
  TurnError,
  type TurnTransport,
} from '@confab/loadtest';
import type { IceServer } from '@confab/protocol';
import { startTestServer, type TestServer } from './support/testServer';
import { WsClient } from './support/wsClient';

const run = promisify(execFile);

let turn: CoturnProcess;
let confab: TestServer;
const clients: WsClient[] = [];
const turnClients: TurnClient[] = [];

before(async () => {
  turn = await CoturnProcess.start({ allowLoopback: true, allowedPeers: ['127.0.0.1'] });
  const { udp, tcp, tls } = turn.urls;
  confab = await startTestServer({ CONFAB_TURN_URLS: [udp, tcp, tls].join(','), CONFAB_TURN_SECRET: turn.secret });
});
after(async () => {
  for (const c of turnClients) c.close();
  for (const c of clients) c.close();
  await confab?.stop();
  await turn?.stop();
});

async function joined(name: string) {
  const client = await WsClient.open(confab.wsUrl);
  clients.push(client);
  return { client, joined: await client.join(`turn-${process.pid}`, name) };
}

function turnEntry(servers: IceServer[]): Required<IceServer> {
  const entry = servers.find((s) => [s.urls].flat().some((u) => u.startsWith('turn')));
  assert.ok(entry?.username && entry.credential, `a TURN entry with credentials in ${JSON.stringify(servers)}`);
  return entry as Required<IceServer>;
}

async function turnClient(transport: TurnTransport): Promise<TurnClient> {
  const port = transport === 'tls' ? turn.tlsPort : turn.port;
  // TLS: the test's self-signed certificate is the only one trusted; its name must match (IP SAN).
  const client = await TurnClient.connect({ transport, host: turn.address, port, ...(transport === 'tls' ? { tls: { ca: turn.certificatePem } } : {}) });
  turnClients.push(client);
  return client;
}

async function allocate(transport: TurnTransport, username: string, password: string) {
  const client = await turnClient(transport);
  return { client, allocation: await client.allocate(username, password) };
}

test("Confab's credentials from joined are accepted by coturn over UDP, TCP and TLS (turns: with a self-signed certificate)", async () => {
  const before = Math.floor(Date.now() / 1000);
  const { joined: ann } = await joined('Ann');
  const entry = turnEntry(ann.iceServers);
  assert.deepEqual(entry.urls, [turn.urls.udp, turn.urls.tcp, turn.urls.tls]);
  const [expiry, participant] = entry.username.split(':');
  assert.equal(participant, ann.self.id);
  const ttl = Number(expiry) - before;
  assert.ok(ttl >= 21_600 && ttl <= 21_602, `expiry 6 h ahead by default, got ${ttl} s`);
  for (const transport of ['udp', 'tcp', 'tls'] as const) {
    const { allocation } = await allocate(transport, entry.username, entry.credential);
    assert.equal(allocation.relayed.address, turn.address, `${transport}: relayed address`);
    assert.ok(allocation.lifetime > 0);
    console.log(`[turn] ${transport}: Allocate accepted, relay ${allocation.relayed.address}:${allocation.relayed.port}, lifetime ${allocation.lifetime} s`);
  }
});

test('wrong password, another secret and an expired username are refused by coturn (401)', async () => {
  const { joined: bob } = await joined('Bob');
  const entry = turnEntry(bob.iceServers);
  const sign = (secret: string, username: string) => createHmac('sha1', secret).update(username).digest('base64');
  const expired = `${Math.floor(Date.now() / 1000) - 60}:${bob.self.id}`;
  const refusals: [string, string, string][] = [
    ['wrong password', entry.username, 'not-the-password'],
    ['signed with another secret', entry.username, sign(`${turn.secret}-other`, entry.username)],
    ['expired a minute ago (correctly signed)', expired, sign(turn.secret, expired)],
  ];
  for (const [what, username, password] of refusals) {
    for (const transport of ['udp', 'tls'] as const) {
      const refused = await allocate(transport, username, password).then(
        () => undefined,
        (error: unknown) => error,
      );
      assert.ok(refused instanceof TurnError, `${what} over ${transport}: refused, got ${String(refused)}`);
      assert.ok(refused.code === 401 || refused.code === 438, `${what} over ${transport}: 401/438, got ${refused.code} ${refused.reason}`);
      console.log(`[turn] ${what} over ${transport}: ${refused.code} ${refused.reason}`);
    }
  }
  // The same username signed correctly is fine: the refusals above are about the credential only.
  await allocate('udp', entry.username, sign(turn.secret, entry.username));
});

test('a relay reaches only what the shipped file allows: loopback, private and multicast peers get 403', async () => {
  const { joined: cleo } = await joined('Cleo');
  const entry = turnEntry(cleo.iceServers);
  const { client } = await allocate('udp', entry.username, entry.credential);
  await client.createPermission('127.0.0.1'); // the SFU, opened by the test's --allowed-peer-ip
  for (const peer of ['127.0.0.2', '10.1.2.3', '172.16.0.9', '192.168.1.1', '100.64.0.1', '169.254.169.254', '0.0.0.1', '224.0.0.251']) {
    await assert.rejects(client.createPermission(peer), (error: unknown) => error instanceof TurnError && error.code === 403, `relay to ${peer} refused`);
  }
});

test('ice_servers and resumed carry fresh credentials that coturn accepts', async () => {
  const { client, joined: dan } = await joined('Dan');
  client.send({ type: 'ice_servers', id: 2 });
  const renewed = turnEntry((await client.next('ice_servers', (m) => m.id === 2)).iceServers);
  await allocate('tcp', renewed.username, renewed.credential);
  client.socket.terminate();
  const again = await WsClient.open(confab.wsUrl);
  clients.push(again);
  again.send({ type: 'resume', id: 3, v: 1, room: `turn-${process.pid}`, participantId: dan.self.id, token: dan.session.resumeToken, lastSeq: client.lastSeq });
  const resumed = await again.next('resumed');
  const fresh = turnEntry(resumed.iceServers ?? []);
  assert.match(fresh.username, new RegExp(`^\\d+:${dan.self.id}$`));
  await allocate('udp', fresh.username, fresh.credential);
});

test('the shipped deploy/turnserver.conf, only its paths filled in, starts and listens on 3478 (UDP, TCP) and 5349 (TLS)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'confab-turnconf-'));
  try {
    const { cert, key } = selfSignedCertificate(dir, ['turn.example.com']);
    const shipped = readFileSync(SHIPPED_TURNSERVER_CONF, 'utf8');
    const conf = join(dir, 'turnserver.conf');
    // The secret placeholder stays: it is a valid secret, only a guessable one.
    writeFileSync(conf, deriveTurnserverConf(shipped, { secret: /^static-auth-secret=(.*)$/m.exec(shipped)![1]!, cert, key }));
    // Its own network namespace, with a non-loopback address (a veth pair, both ends inside) as a
    // real host has one: coturn will not serve loopback alone, and nothing of the test's changes.
    const script = [
      'ip link set lo up',
      'ip link add confab-t0 type veth peer name confab-t1',
      'ip addr add 198.51.100.10/24 dev confab-t0',
      'ip link set confab-t0 up && ip link set confab-t1 up',
      `turnserver -c ${conf} --pidfile=${join(dir, 'pid')} --userdb=${join(dir, 'turndb')} > ${join(dir, 'log')} 2>&1 &`,
      'pid=$!',
      'for i in $(seq 50); do ss -Hltn | grep -q ":5349" && break; sleep 0.1; done',
      'sleep 0.5',
      'kill -0 $pid && echo RUNNING',
      'ss -Hltn; ss -Hlun',
      'kill $pid; wait $pid; exit 0',
    ].join('\n');
    const { stdout } = await run('unshare', ['-n', 'sh', '-c', script], { timeout: 15_000 });
    const log = readFileSync(join(dir, 'log'), 'utf8');
    assert.match(stdout, /RUNNING/, `turnserver keeps running\n${log.slice(-3000)}`);
    assert.doesNotMatch(log, /CONFIG ERROR|Bad configuration format|ERROR: main/i);
    for (const listener of [/^LISTEN.*198\.51\.100\.10:3478/m, /^LISTEN.*198\.51\.100\.10:5349/m, /^UNCONN.*198\.51\.100\.10:3478/m]) {
      assert.match(stdout, listener);
    }
    assert.match(log, /Certificate file found/);
    const denied = [...shipped.matchAll(/^denied-peer-ip=(.+)$/gm)].map((m) => m[1]!.trim());
    const listed = new Set([...log.matchAll(/Black listing: (\S+)/g)].map((m) => m[1]));
    assert.ok(denied.length >= 15);
    for (const range of denied) assert.ok(listed.has(range), `denied-peer-ip=${range} is in force`);
    assert.doesNotMatch(shipped, /^allow-loopback-peers/m);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

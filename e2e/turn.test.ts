/**
 * TURN for real: coturn (`turnserver`, from deploy/turnserver.conf plus the test's loopback
 * overrides) beside the server, which hands out its own credentials. Alice opens the room with
 * `?relay=1` and talks to Bob through the relay; Carol and Dave, whose UDP nftables drops
 * entirely, still get through over TCP (Carol: the SFU's ICE-TCP or TURN over TCP, whichever
 * Chromium nominates; Dave, relay-only: TURN over TCP); Alice's credentials expire and an ICE
 * restart renews them; and Chromium's view of `turns:` with a self-signed certificate.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { after, before, describe, test } from 'node:test';
import { CoturnProcess } from '@confab/loadtest';
import { CHROMIUM_ARGS, CHROMIUM_PATH, uniqueRoom } from './support/browser';
import { describePairs, gatherRelay, localUdpPortsOf, selectedPairs, type SelectedPairInfo } from './support/candidatePairs';
import { createHarness, type Harness } from './support/harness';
import { expectTilePlaying, expectVideoDecoded } from './support/observe';
import { sleep, waitFor } from './support/wait';
import { chromium } from 'playwright-core';

const run = promisify(execFile);
const ROOM = uniqueRoom('e2e-turn');
const TABLE = 'confab_e2e_turn';
const roomPath = (name: string, extra = '') => `/r/${ROOM}?name=${name}&prejoin=0${extra}`;
/** Short-lived credentials, so that the test sees them expire (the default is 6 h). */
const TTL_SECONDS = 20;

let h: Harness;
let turn: CoturnProcess;

/** Both connections of `name` connected, and their selected pairs. */
async function pairsOf(name: string): Promise<SelectedPairInfo[]> {
  return waitFor(async () => {
    const pairs = await selectedPairs(h.person(name).page);
    return pairs.length === 2 ? pairs : undefined;
  }, { timeout: 20_000, message: `${name}: both peer connections connected with a selected pair` });
}

describe('TURN with coturn in Chromium', { timeout: 180_000 }, () => {
  before(async () => {
    // The SFU announces 127.0.0.1: that one peer is opened on top of the shipped deny list.
    turn = await CoturnProcess.start({ allowLoopback: true, allowedPeers: ['127.0.0.1'] });
    const { udp, tcp, tls } = turn.urls;
    h = await createHarness({
      env: {
        CONFAB_MEDIA_ENGINE: 'sfu',
        CONFAB_TURN_URLS: [udp, tcp, tls].join(','),
        CONFAB_TURN_SECRET: turn.secret,
        CONFAB_TURN_TTL_SECONDS: String(TTL_SECONDS),
        // A busy machine must not turn into resumes (which renew credentials by themselves) mid-test.
        CONFAB_HEARTBEAT_TIMEOUT_MS: '15000',
      },
    });
  });
  after(async () => {
    await run('nft', ['delete', 'table', 'inet', TABLE]).catch(() => undefined);
    await h?.close();
    await turn?.stop();
  });

  test('Alice with ?relay=1: her selected pairs are relay, and video decodes both ways', h0(async () => {
    const alice = await h.join(ROOM, 'Alice', { path: roomPath('Alice', '&relay=1') });
    const bob = await h.join(ROOM, 'Bob', { path: roomPath('Bob') });
    await expectTilePlaying(bob.page, 'Bob', 'Alice');
    await expectTilePlaying(alice.page, 'Alice', 'Bob');
    await expectVideoDecoded(bob.page, 'Bob', 'Alice');
    await expectVideoDecoded(alice.page, 'Alice', 'Bob');
    const alicePairs = await pairsOf('Alice');
    const bobPairs = await pairsOf('Bob');
    console.log(`[turn] relay call, Alice (?relay=1): ${describePairs(alicePairs)}`);
    console.log(`[turn] relay call, Bob: ${describePairs(bobPairs)}`);
    for (const pair of alicePairs) assert.equal(pair.local.candidateType, 'relay', `Alice's ${pair.connection} goes through TURN`);
    assert.ok(bobPairs.every((p) => p.local.candidateType !== 'relay'), 'Bob, without ?relay=1, goes direct');
  }));

  test("Alice's credentials expire; an ICE restart fetches new ones, applies them, and allocates new relays", h0(async () => {
    const alice = h.person('Alice').page;
    const usernames = () =>
      alice.evaluate(() =>
        (window as unknown as { __confabPeerConnections: RTCPeerConnection[] }).__confabPeerConnections
          .filter((pc) => pc.connectionState !== 'closed')
          .map((pc) => pc.getConfiguration().iceServers?.find((s) => s.username)?.username ?? ''),
      );
    const expiry = Number((await usernames())[0]!.split(':')[0]);
    const before = await pairsOf('Alice');
    const relayPortsBefore = new Set(before.map((p) => p.local.port));
    await sleep(Math.max(0, expiry * 1000 + 1500 - Date.now()));
    // The path a connection whose ICE failed takes (PeerLink.onIceFailed): for the publisher, fresh
    // servers then createOffer({iceRestart}); for the subscriber, fresh servers then restart_ice.
    await alice.evaluate(() => {
      const session = (window.confabRoom as unknown as { session: Record<'publisher' | 'subscriber', { link: { onIceFailed(): void } }> }).session;
      session.publisher.link.onIceFailed();
      session.subscriber.link.onIceFailed();
    });
    const renewed = await waitFor(async () => {
      const names = await usernames();
      return names.length === 2 && names.every((n) => Number(n.split(':')[0]) > expiry) ? names : undefined;
    }, { message: "Alice's peer connections configured with renewed credentials" });
    const after = await waitFor(async () => {
      const pairs = await selectedPairs(alice);
      return pairs.length === 2 && pairs.every((p) => p.local.candidateType === 'relay' && !relayPortsBefore.has(p.local.port)) ? pairs : undefined;
    }, { timeout: 30_000, message: 'both connections moved to new relay allocations' });
    console.log(`[turn] after expiry (${renewed.join(', ')}): Alice ${describePairs(after)}`);
    await expectVideoDecoded(h.person('Bob').page, 'Bob', 'Alice');
    await expectVideoDecoded(alice, 'Alice', 'Bob');
  }));

  test('Carol and Dave, their UDP dropped by nftables, connect over TCP: Carol by ICE-TCP or TURN/TCP, Dave (?relay=1) by TURN over TCP', h0(async () => {
    // Alice leaves: her TURN socket's port is in no candidate, so it could not be told apart from theirs.
    await h.person('Alice').close();
    // Everyone's UDP passes except theirs: allowed are the ports of Bob's candidates and coturn's
    // relay ports (to and from the SFU); anything else, whichever ports Carol and Dave pick, is dropped.
    const allowed = new Set(await localUdpPortsOf(h.person('Bob').page));
    assert.ok(allowed.size > 0);
    const ports = `{ ${[...allowed].join(', ')}, ${turn.relayPorts.min}-${turn.relayPorts.max} }`;
    await run('nft', ['add', 'table', 'inet', TABLE]);
    await run('nft', ['add', 'chain', 'inet', TABLE, 'out', '{ type filter hook output priority 0 ; }']);
    await run('nft', ['add', 'rule', 'inet', TABLE, 'out', 'udp', 'sport', '!=', ports, 'udp', 'dport', '!=', ports, 'counter', 'drop']);

    const carol = await h.join(ROOM, 'Carol', { path: roomPath('Carol') });
    const dave = await h.join(ROOM, 'Dave', { path: roomPath('Dave', '&relay=1') });
    for (const [viewer, page] of [['Carol', carol.page], ['Dave', dave.page]] as const) {
      // Generous: candidates over UDP must time out first, and the machine may be busy.
      await expectTilePlaying(page, viewer, 'Bob', 'camera', 60_000);
      await expectVideoDecoded(page, viewer, 'Bob', 'camera', 60_000);
    }
    await expectVideoDecoded(h.person('Bob').page, 'Bob', 'Carol');
    await expectVideoDecoded(h.person('Bob').page, 'Bob', 'Dave');
    const carolPairs = await pairsOf('Carol');
    const davePairs = await pairsOf('Dave');
    console.log(`[turn] UDP blocked, Carol: ${describePairs(carolPairs)}`);
    console.log(`[turn] UDP blocked, Dave (?relay=1): ${describePairs(davePairs)}`);
    // Without ?relay=1 both TCP ways work for her, and Chromium picks either (host TCP ranks higher,
    // but the TURN/TCP pair is sometimes nominated first): say which one each connection took.
    for (const pair of carolPairs) {
      const iceTcp = (pair.local.candidateType === 'host' || pair.local.candidateType === 'prflx') && pair.local.protocol === 'tcp' && pair.remote.candidateType === 'host' && pair.remote.protocol === 'tcp';
      const turnTcp = pair.local.candidateType === 'relay' && (pair.local.relayProtocol === 'tcp' || pair.local.relayProtocol === 'tls');
      assert.ok(iceTcp || turnTcp, `Carol's ${pair.connection}: ICE-TCP to the SFU or TURN over TCP, got ${describePairs([pair])}`);
      console.log(`[turn] UDP blocked, Carol's ${pair.connection} connects through ${iceTcp ? "the SFU's ICE-TCP" : `TURN over ${pair.local.relayProtocol}`}`);
    }
    for (const pair of davePairs) {
      assert.equal(pair.local.candidateType, 'relay', `Dave's ${pair.connection} goes through TURN`);
      assert.ok(pair.local.relayProtocol === 'tcp' || pair.local.relayProtocol === 'tls', `Dave reaches TURN over TCP or TLS, got ${pair.local.relayProtocol}`);
    }
    const { stdout } = await run('nft', ['list', 'table', 'inet', TABLE]);
    const dropped = Number(/counter packets (\d+)/.exec(stdout)?.[1] ?? 0);
    console.log(`[turn] UDP packets dropped by the block: ${dropped}`);
    assert.ok(dropped > 0, 'Carol and Dave did try UDP, and it was dropped');
  }));

  test('turns: with a self-signed certificate: Chromium allocates over TLS only with --ignore-certificate-errors', h0(async () => {
    // Confab's own, fresh (those from joined have expired by now): the SDK's ice_servers request.
    const creds = await h.person('Bob').page.evaluate(async () => {
      const signal = (window.confabRoom as unknown as { session: { signal: { request(m: object): Promise<{ iceServers: RTCIceServer[] }> } } }).session.signal;
      return (await signal.request({ type: 'ice_servers' })).iceServers.find((s) => s.username);
    });
    assert.ok(creds?.username && creds.credential);
    const server = { urls: turn.urls.tls, username: creds.username, credential: creds.credential as string };
    const strict = await gatherRelay(h.person('Bob').page, server);
    console.log(`[turn] turns: self-signed, plain Chromium: relay candidates ${JSON.stringify(strict.relayProtocols)}, errors ${JSON.stringify(strict.errors)}`);
    const lenient = await chromium.launch({ executablePath: CHROMIUM_PATH, args: [...CHROMIUM_ARGS, '--ignore-certificate-errors'] });
    try {
      const page = await lenient.newPage();
      await page.goto(h.server.httpBase);
      const result = await gatherRelay(page, server);
      console.log(`[turn] turns: self-signed, Chromium --ignore-certificate-errors: relay candidates ${JSON.stringify(result.relayProtocols)}, errors ${JSON.stringify(result.errors)}`);
      assert.deepEqual(result.relayProtocols, ['tls']);
    } finally {
      await lenient.close();
    }
    assert.deepEqual(strict.relayProtocols, [], 'without the flag the self-signed certificate is refused');
  }));
});

function h0(fn: () => Promise<void>): () => Promise<void> {
  return () => h.run(fn)();
}

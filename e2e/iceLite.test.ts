/**
 * The media path's network transport (ICE-lite + ICE-TCP + DTLS server, packages/server/src/media/
 * sfu/net) against real Chromium, with no engine on top: the page makes an RTCPeerConnection that
 * sends fake-microphone audio, we answer (or offer) as an ICE-lite DTLS server, and both sides must
 * see the connection: the page's connectionState 'connected', ours 'connected' with SRTP keys of
 * the profile the browser took, and SRTP packets arriving.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { chromium, type Browser, type BrowserServer, type Page } from 'playwright-core';
import {
  SrtpProfile,
  WorkerNetwork,
  type IceDtlsCloseReason,
  type IceDtlsTransport,
  type IceProtocol,
  type SrtpKeyMaterial,
} from '../packages/server/src/media/sfu/net/index';
import { CHROMIUM_ARGS, CHROMIUM_PATH, launchBrowser } from './support/browser';
import { liteAnswer, liteAudioOffer, readRemote } from './support/liteSdp';
import { measure, waitFor } from './support/wait';

/** Short, so the vanished-client test is quick; Chromium checks the selected pair every ~2.5 s. */
const CONSENT_TIMEOUT_MS = 6_000;

/** Page-side helpers, installed once per page. */
const PAGE_SCRIPT = `(() => {
  const lite = {
    pc: null,
    async offer() {
      this.pc = new RTCPeerConnection({ bundlePolicy: 'max-bundle', rtcpMuxPolicy: 'require' });
      const stream = await navigator.mediaDevices.getUserMedia({ audio: true });
      this.pc.addTransceiver(stream.getAudioTracks()[0], { direction: 'sendonly' });
      await this.pc.setLocalDescription(await this.pc.createOffer());
      return this.pc.localDescription.sdp;
    },
    async answer(sdp) { await this.pc.setRemoteDescription({ type: 'answer', sdp }); },
    async acceptOffer(sdp) {
      this.pc = new RTCPeerConnection({ bundlePolicy: 'max-bundle', rtcpMuxPolicy: 'require' });
      await this.pc.setRemoteDescription({ type: 'offer', sdp });
      await this.pc.setLocalDescription(await this.pc.createAnswer());
      return this.pc.localDescription.sdp;
    },
    async restart() {
      this.pc.restartIce();
      await this.pc.setLocalDescription(await this.pc.createOffer());
      return this.pc.localDescription.sdp;
    },
    state() { return this.pc ? { connection: this.pc.connectionState, ice: this.pc.iceConnectionState } : null; },
    async pair() {
      const stats = await this.pc.getStats();
      for (const s of stats.values()) {
        if (s.type === 'transport' && s.selectedCandidatePairId) {
          const pair = stats.get(s.selectedCandidatePairId);
          const local = stats.get(pair.localCandidateId);
          const remote = stats.get(pair.remoteCandidateId);
          return { srtpCipher: s.srtpCipher, dtlsRole: s.dtlsRole, tlsVersion: s.tlsVersion,
            local: local.protocol + ' ' + local.port, remote: remote.protocol + ' ' + remote.port };
        }
      }
      return null;
    },
  };
  window.__lite = lite;
})()`;

interface Session {
  page: Page;
  transport: IceDtlsTransport;
  keys: Promise<SrtpKeyMaterial>;
  closed: Promise<{ reason: IceDtlsCloseReason; at: number }>;
  /** SRTP / SRTCP packets received so far. */
  counts: { rtp: number; rtcp: number };
}

let net: WorkerNetwork;
let browser: Browser;
let web: Server;
let pageUrl: string;

async function openPage(b: Browser = browser): Promise<Page> {
  const page = await (await b.newContext()).newPage();
  await page.goto(pageUrl);
  await page.evaluate(PAGE_SCRIPT);
  return page;
}

function watch(page: Page, transport: IceDtlsTransport): Session {
  const counts = { rtp: 0, rtcp: 0 };
  transport.onRtp = () => counts.rtp++;
  transport.onRtcp = () => counts.rtcp++;
  return {
    page,
    transport,
    counts,
    keys: new Promise((resolve) => transport.once('connected', resolve)),
    closed: new Promise((resolve) => transport.once('closed', (reason) => resolve({ reason, at: Date.now() }))),
  };
}

/** The page offers, we answer offering only `protocols`; resolves when both sides are connected. */
async function connectAnswering(page: Page, protocols: IceProtocol[], label: string): Promise<Session> {
  const offer = await page.evaluate(() => (window as any).__lite.offer() as Promise<string>);
  const offeredAt = Date.now();
  const remote = readRemote(offer);
  assert.equal(remote.setup, 'actpass', 'Chromium offers actpass');
  const transport = net.createTransport({ remote, protocols, label });
  const session = watch(page, transport);
  const local = transport.localParameters;
  await page.evaluate((sdp) => (window as any).__lite.answer(sdp), liteAnswer(offer, local, local.candidates));
  const keys = await session.keys;
  measure('offer_to_connected_ms', Date.now() - offeredAt, `transport=${label} profile=${keys.profile}`);
  await waitForPageState(page, 'connected');
  return session;
}

async function waitForPageState(page: Page, connection: string, timeout = 20_000): Promise<void> {
  await waitFor(async () => (await page.evaluate(() => (window as any).__lite.state()))?.connection === connection, {
    timeout,
    interval: 100,
    message: `page connectionState ${connection}`,
  });
}

async function pagePair(page: Page): Promise<{ srtpCipher: string; dtlsRole: string; local: string; remote: string }> {
  return page.evaluate(() => (window as any).__lite.pair());
}

/** SRTP keeps arriving: the count grows by more than `by` within the wait. */
async function expectRtpFlowing(session: Session, by = 20): Promise<void> {
  const start = session.counts.rtp;
  await waitFor(() => session.counts.rtp > start + by, { timeout: 10_000, message: `RTP beyond ${start + by}` });
}

describe('ICE-lite + DTLS transport with Chromium', { timeout: 180_000 }, () => {
  before(async () => {
    web = createServer((_req, res) => res.end('<!doctype html><title>ice-lite</title>'));
    await new Promise<void>((resolve) => web.listen(0, '127.0.0.1', resolve));
    pageUrl = `http://127.0.0.1:${(web.address() as AddressInfo).port}/`;
    net = await WorkerNetwork.open({
      bindAddress: '127.0.0.1',
      announcedAddresses: ['127.0.0.1'],
      consentTimeoutMs: CONSENT_TIMEOUT_MS,
    });
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await net?.close();
    await new Promise((resolve) => web?.close(resolve));
  });

  test('(a) UDP: Chromium connects to our answer (UDP and TCP candidates), picks UDP; we get GCM keys and its SRTP', async () => {
    const page = await openPage();
    const s = await connectAnswering(page, ['udp', 'tcp'], 'udp');
    const keys = await s.keys;
    assert.equal(keys.profile, SrtpProfile.AeadAes128Gcm);
    const lengths = [keys.localKey, keys.localSalt, keys.remoteKey, keys.remoteSalt].map((b) => b.length);
    assert.deepEqual(lengths, [16, 12, 16, 12]);
    assert.equal(s.transport.state, 'connected');
    assert.equal(s.transport.selectedPath?.protocol, 'udp');
    await expectRtpFlowing(s);
    const pair = await pagePair(page);
    assert.equal(pair.dtlsRole, 'client', 'Chromium is the DTLS client when we answer passive');
    assert.equal(pair.srtpCipher, 'SRTP_AEAD_AES_128_GCM');
    assert.match(pair.remote, new RegExp(`^udp ${net.udp.port}$`));
    s.transport.close();
    assert.equal(net.transportCount, 0, 'a closed transport leaves the worker');
    await page.context().close();
  });

  test('(b) ICE-TCP only: with just our passive TCP candidate Chromium connects over TCP', async () => {
    const page = await openPage();
    const s = await connectAnswering(page, ['tcp'], 'tcp');
    assert.equal(s.transport.selectedPath?.protocol, 'tcp');
    assert.equal((await s.keys).profile, SrtpProfile.AeadAes128Gcm);
    await expectRtpFlowing(s);
    const pair = await pagePair(page);
    assert.match(pair.remote, new RegExp(`^tcp ${net.tcp!.port}$`));
    assert.equal(net.udp.attachedPaths, 0, 'no UDP path was validated for it');
    s.transport.close();
    await page.context().close();
  });

  test('(c) consent: a browser that vanishes (killed) is closed by us within the timeout', async () => {
    // A browser of its own, to kill without a goodbye: no DTLS close_notify, no more checks.
    const server: BrowserServer = await chromium.launchServer({ executablePath: CHROMIUM_PATH, args: [...CHROMIUM_ARGS] });
    const doomed = await chromium.connect(server.wsEndpoint());
    const s = await connectAnswering(await openPage(doomed), ['udp'], 'consent');
    await expectRtpFlowing(s);
    const killedAt = Date.now();
    server.process().kill('SIGKILL');
    const { reason, at } = await s.closed;
    assert.equal(reason, 'consent-lost');
    const after = at - killedAt;
    measure('vanished_to_closed_ms', after, `consent_timeout_ms=${CONSENT_TIMEOUT_MS}`);
    assert.ok(after <= CONSENT_TIMEOUT_MS + 2_000, `closed ${after} ms after the kill`);
    // Chromium checks every ~2.7 s, so the last check came at most that long before the kill.
    assert.ok(after >= CONSENT_TIMEOUT_MS - 3_000, `closed only ${after} ms after the kill`);
    assert.equal(net.registry.has(s.transport.localParameters.usernameFragment), false, 'its ufrag is released');
    await doomed.close().catch(() => {});
  });

  test('a clean pc.close() reaches us as a DTLS alert, without waiting for consent', async () => {
    const page = await openPage();
    const s = await connectAnswering(page, ['udp'], 'close');
    const closedAt = Date.now();
    await page.evaluate(() => (window as any).__lite.pc.close());
    const { reason, at } = await s.closed;
    assert.equal(reason, 'dtls-alert');
    measure('pc_close_to_closed_ms', at - closedAt);
    await page.context().close();
  });

  test('(d) ICE restart from the page keeps our transport, its keys and the media', async () => {
    const page = await openPage();
    const s = await connectAnswering(page, ['udp'], 'restart');
    const keysBefore = await s.keys;
    const pathBefore = s.transport.selectedPath;
    const oldUfrag = s.transport.localParameters.usernameFragment;
    let connectedEvents = 0;
    s.transport.on('connected', () => connectedEvents++);
    const restarted = new Promise<void>((resolve) => s.transport.once('iceRestarted', resolve));

    const offer = await page.evaluate(() => (window as any).__lite.restart() as Promise<string>);
    const offeredAt = Date.now();
    const remote = readRemote(offer);
    const local = s.transport.restartIce(remote);
    assert.notEqual(local.usernameFragment, oldUfrag);
    const params = { ...s.transport.localParameters };
    assert.equal(params.usernameFragment, local.usernameFragment);
    await page.evaluate((sdp) => (window as any).__lite.answer(sdp), liteAnswer(offer, params, params.candidates));
    await restarted;
    measure('restart_offer_to_new_checks_ms', Date.now() - offeredAt);
    await waitForPageState(page, 'connected');
    await waitFor(async () => (await page.evaluate(() => (window as any).__lite.state())).ice === 'connected', {
      timeout: 10_000,
      message: 'page iceConnectionState connected after the restart',
    });
    assert.equal(s.transport.state, 'connected');
    assert.equal(s.transport.srtpKeys, keysBefore, 'no new DTLS handshake');
    assert.equal(connectedEvents, 0);
    assert.equal(net.registry.has(oldUfrag), false, 'the old ufrag is released once new checks arrive');
    await expectRtpFlowing(s);
    console.log(
      `[info] restart: path before ${pathBefore?.remoteAddress}:${pathBefore?.remotePort}, after ` +
        `${s.transport.selectedPath?.remoteAddress}:${s.transport.selectedPath?.remotePort}`,
    );
    s.transport.close();
    await page.context().close();
  });

  test('we offer actpass (a subscriber), Chromium answers active; a late answer holds our connected', async () => {
    const page = await openPage();
    const transport = net.createTransport({ label: 'offerer' });
    const s = watch(page, transport);
    const offeredAt = Date.now();
    const answer = await page.evaluate(
      (sdp) => (window as any).__lite.acceptOffer(sdp) as Promise<string>,
      liteAudioOffer(transport.localParameters),
    );
    const remote = readRemote(answer);
    assert.equal(remote.setup, 'active', 'Chromium answers actpass with active (it is the DTLS client)');
    // Hold the answer back until the browser is connected: the handshake finishes without the fingerprint.
    await waitForPageState(page, 'connected');
    assert.equal(transport.state, 'connecting', 'not connected before the fingerprint is known');
    transport.setRemoteParameters(remote);
    const keys = await s.keys;
    measure('offer_to_connected_ms', Date.now() - offeredAt, `transport=offerer profile=${keys.profile}`);
    assert.equal(keys.profile, SrtpProfile.AeadAes128Gcm);
    assert.equal((await pagePair(page)).dtlsRole, 'client');
    transport.close();
    await page.context().close();
  });
});

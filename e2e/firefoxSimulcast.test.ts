/**
 * Firefox publishes the SDK's camera simulcast.
 *
 * First alone: a page in Firefox ESR (headless, no server) sends a 720p canvas with exactly the
 * `sendEncodings` the SDK uses, to a second peer connection in the same page that is told, by the
 * usual SDP rewrite, that it takes simulcast. What is checked is the publishing side: the offer
 * lists rids q, h, f in that order with the rid header extension, each rid's outbound-rtp counts
 * bytes at 1/4, 1/2 and full size, and `active = false` set through setParameters (dynacast) stops
 * that rid. Firefox gathers no candidates on loopback alone, so it runs in a network namespace of
 * its own with a veth pair (10.99.0.1), made and thrown away here; the page writes its result to
 * stdout.
 *
 * Then to our server: Fox (Firefox, the web app, over WebDriver BiDi) publishes its 720p camera and
 * Ann (Chromium) watches: a large tile gets Fox's top layer, a thumbnail the low one, as with a
 * Chromium publisher. The test namespace gets a veth address for Firefox (support/vethNetwork.ts).
 * Prints the times from changing the tile to decoding the new layer.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser as FirefoxBrowser } from 'puppeteer-core';
import { sendEncodingsFor } from '@confab/client';
import { uniqueRoom } from './support/browser';
import { launchFirefox, openFirefoxParticipant, type FirefoxParticipant } from './support/firefox';
import { createHarness, type Harness } from './support/harness';
import { expectVideoDecoded, remoteStats, sentByRid, type PageReader } from './support/observe';
import { setTile } from './support/ui';
import { VethNetwork } from './support/vethNetwork';
import { measure, waitFor } from './support/wait';

const FIREFOX = process.env['CONFAB_E2E_FIREFOX'] ?? 'firefox-esr';
const MARK = 'CONFAB_RESULT ';

interface Outbound {
  rid: string;
  bytesSent: number;
  frameWidth: number;
  frameHeight: number;
}
interface Result {
  error?: string;
  offer: string[];
  outbound: Outbound[];
  /** Bytes each rid sent in the 2 s after `f` was set inactive (1 s after, to let it settle). */
  afterFOff: Record<string, number>;
}

function page(encodings: RTCRtpEncodingParameters[]): string {
  return `<!doctype html><meta charset="utf-8"><canvas id="c" width="1280" height="720"></canvas><script type="module">
const done = (o) => dump(${JSON.stringify(MARK)} + JSON.stringify(o) + '\\n');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const outbound = async (pc) => { const out = []; (await pc.getStats()).forEach((s) => { if (s.type === 'outbound-rtp' && s.kind === 'video') out.push(s); }); return out; };
try {
  const encodings = ${JSON.stringify(encodings)};
  const c = document.getElementById('c'); const g = c.getContext('2d'); let n = 0;
  setInterval(() => { n++; g.fillStyle = 'hsl(' + (n % 360) + ' 70% 45%)'; g.fillRect(0, 0, 1280, 720); g.fillStyle = '#fff'; g.fillRect((n * 9) % 1200, (n * 5) % 650, 80, 70); }, 33);
  const track = c.captureStream(30).getVideoTracks()[0];
  const pc1 = new RTCPeerConnection(); const pc2 = new RTCPeerConnection();
  pc1.onicecandidate = (e) => e.candidate && pc2.addIceCandidate(e.candidate);
  pc2.onicecandidate = (e) => e.candidate && pc1.addIceCandidate(e.candidate);
  const transceiver = pc1.addTransceiver(track, { direction: 'sendonly', sendEncodings: encodings });
  const offer = await pc1.createOffer(); await pc1.setLocalDescription(offer);
  const plain = offer.sdp.split('\\r\\n').filter((l) => !l.startsWith('a=rid:') && !l.startsWith('a=simulcast:')).join('\\r\\n');
  await pc2.setRemoteDescription({ type: 'offer', sdp: plain });
  const answer = await pc2.createAnswer(); await pc2.setLocalDescription(answer);
  const rids = encodings.map((e) => e.rid);
  const accepted = answer.sdp.replace(/(m=video[^\\r]*\\r\\n(?:[^m][^\\r]*\\r\\n)*)/, (s) => s + rids.map((r) => 'a=rid:' + r + ' recv\\r\\n').join('') + 'a=simulcast:recv ' + rids.join(';') + '\\r\\n');
  await pc1.setRemoteDescription({ type: 'answer', sdp: accepted });
  for (let i = 0; i < 120; i++) { const out = await outbound(pc1); if (out.length === rids.length && out.every((s) => s.bytesSent > 20000)) break; await sleep(250); }
  const first = (await outbound(pc1)).map((s) => ({ rid: s.rid, bytesSent: s.bytesSent, frameWidth: s.frameWidth ?? 0, frameHeight: s.frameHeight ?? 0 }));
  const parameters = transceiver.sender.getParameters();
  parameters.encodings.find((e) => e.rid === 'f').active = false;
  await transceiver.sender.setParameters(parameters);
  await sleep(1000);
  const before = Object.fromEntries((await outbound(pc1)).map((s) => [s.rid, s.bytesSent]));
  await sleep(2000);
  const afterFOff = Object.fromEntries((await outbound(pc1)).map((s) => [s.rid, s.bytesSent - before[s.rid]]));
  done({ offer: offer.sdp.split('\\r\\n').filter((l) => /^(a=rid|a=simulcast|a=extmap.*rtp-stream-id)/.test(l)), outbound: first, afterFOff });
} catch (e) { done({ error: String(e && e.stack || e) }); }
</script>`;
}

function runFirefox(dir: string, url: string, timeoutMs: number): Promise<Result> {
  const prefs = [
    'user_pref("browser.dom.window.dump.enabled", true);',
    'user_pref("media.peerconnection.ice.obfuscate_host_addresses", false);',
    'user_pref("browser.shell.checkDefaultBrowser", false);',
  ];
  const profile = join(dir, 'profile');
  rmSync(profile, { recursive: true, force: true });
  writeFileSync(join(dir, 'user.js'), prefs.join('\n'));
  const script = [
    'set -e',
    'ip link set lo up',
    'ip link add ffv0 type veth peer name ffv1',
    'ip addr add 10.99.0.1/24 dev ffv0',
    'ip link set ffv0 up',
    'ip link set ffv1 up',
    'ip route add default dev ffv0',
    `mkdir -p "${profile}" && cp "${join(dir, 'user.js')}" "${profile}/"`,
    `exec "${FIREFOX}" --headless --no-remote --profile "${profile}" "${url}"`,
  ].join('\n');
  const ns = process.getuid?.() === 0 ? ['-n'] : ['-rn'];
  const child = spawn('unshare', [...ns, 'sh', '-c', script], { env: { ...process.env, HOME: dir }, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  let errors = '';
  return new Promise<Result>((resolve, reject) => {
    const finish = (error: Error | undefined, result?: Result): void => {
      clearTimeout(timer);
      try {
        process.kill(-child.pid!, 'SIGKILL'); // Firefox and its content processes: the group we started
      } catch {
        // already gone
      }
      if (error) reject(error);
      else resolve(result!);
    };
    const timer = setTimeout(() => finish(new Error(`no result from Firefox within ${timeoutMs} ms; stderr: ${errors.slice(-2000)}`)), timeoutMs);
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const line = output.split('\n').find((l) => l.includes(MARK));
      if (line && line.endsWith('}')) finish(undefined, JSON.parse(line.slice(line.indexOf(MARK) + MARK.length)) as Result);
    });
    child.stderr.on('data', (chunk: Buffer) => {
      errors += chunk.toString();
    });
    child.on('exit', (code) => {
      if (!output.includes(MARK)) finish(new Error(`Firefox exited (${code}) without a result; stderr: ${errors.slice(-2000)}`));
    });
  });
}

test('Firefox publishes the SDK camera encodings as q/h/f simulcast, and an inactive rid stops', { timeout: 90_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'confab-ff-simulcast-'));
  try {
    const encodings = sendEncodingsFor('camera');
    writeFileSync(join(dir, 'page.html'), page(encodings));
    const result = await runFirefox(dir, `file://${join(dir, 'page.html')}`, 75_000);
    assert.equal(result.error, undefined, result.error);
    console.log(`[measure] firefox outbound=${JSON.stringify(result.outbound)} afterFOff=${JSON.stringify(result.afterFOff)}`);

    const rids = result.offer.filter((l) => l.startsWith('a=rid:'));
    assert.deepEqual(rids, ['a=rid:q send', 'a=rid:h send', 'a=rid:f send'], 'rids in the order low to high');
    assert.ok(result.offer.includes('a=simulcast:send q;h;f'), result.offer.join(' | '));
    assert.ok(result.offer.some((l) => l.endsWith('urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id')), 'the rid header extension is offered');

    const byRid = new Map(result.outbound.map((o) => [o.rid, o]));
    assert.deepEqual([...byRid.keys()].sort(), ['f', 'h', 'q']);
    for (const [rid, width] of [['q', 320], ['h', 640], ['f', 1280]] as const) {
      const o = byRid.get(rid)!;
      assert.ok(o.bytesSent > 0, `${rid} sends`);
      assert.equal(o.frameWidth, width, `${rid} is ${width} wide`);
    }
    assert.equal(result.afterFOff['f'], 0, 'f stopped after active = false');
    assert.ok(result.afterFOff['q']! > 0 && result.afterFOff['h']! > 0, 'q and h go on');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/**
 * Fox's camera at the web app's 1280x720. Firefox switches a layer on only once its estimate
 * covers the layers below plus this one's minimum: 1.2 Mbps for the 720p f, 1.85 Mbps in all (its
 * encoder log). Its estimate towards us gets there by probing, which needs the transport-cc
 * feedback to carry the spacing its packets arrived with: the kernel's receive times
 * (media/sfu/net/UdpBatchReceiver.ts), not the moment a busy media thread read them.
 */
describe('Firefox publishing simulcast to the server', { timeout: 180_000 }, () => {
  let veth: VethNetwork | undefined;
  let h: Harness | undefined;
  let firefox: FirefoxBrowser | undefined;
  let fox: FirefoxParticipant | undefined;

  before(async () => {
    veth = await VethNetwork.up();
    h = await createHarness({ env: { CONFAB_HOST: '0.0.0.0', CONFAB_PUBLIC_IP: veth.address, CONFAB_MEDIA_ENGINE: 'sfu' }, readyTimeoutMs: 60_000 });
    firefox = await launchFirefox();
  });
  after(async () => {
    if (process.env['CONFAB_E2E_VERBOSE'] && fox?.diagnostics()) console.log(fox.diagnostics());
    await fox?.close();
    await firefox?.close().catch(() => {});
    await h?.close();
    await veth?.down();
  });

  /** The height Ann decodes Fox's camera at. */
  async function annSees(ann: PageReader): Promise<number> {
    const s = (await remoteStats(ann)).find((x) => x.participantName === 'Fox' && x.kind === 'video' && x.source === 'camera');
    return s?.frameHeight ?? 0;
  }

  /** Waits until Ann decodes Fox at the height Fox's encoder gives layer `rid`; returns the ms it took and that height. */
  async function untilAnnGets(ann: PageReader, rid: string, timeout: number): Promise<{ ms: number; height: number }> {
    const start = Date.now();
    let sent: Record<string, { frameHeight: number; bytesSent: number }> = {};
    let seen = 0;
    try {
      await waitFor(async () => {
        sent = await sentByRid(fox!.reader);
        seen = await annSees(ann);
        const height = sent[rid]?.frameHeight ?? 0;
        return height > 0 && seen === height;
      }, { timeout, interval: 100, message: `Ann decodes Fox's ${rid}` });
    } catch (error) {
      (error as Error).message += `; Ann decodes ${seen}p; Fox sends ${JSON.stringify(sent)}`;
      throw error;
    }
    return { ms: Date.now() - start, height: seen };
  }

  test("Fox (Firefox) publishes q/h/f; Ann's large tile gets f, a thumbnail gets q", async () => {
    const room = uniqueRoom('e2e-ff-simulcast');
    fox = await openFirefoxParticipant(firefox!, h!.server.httpBase, room, 'Fox');
    const ann = (await h!.join(room, 'Ann')).page;
    await expectVideoDecoded(ann, 'Ann', 'Fox', 'camera', 30_000);
    await setTile(ann, 'Fox', { width: 1280, height: 720 });
    const f = await untilAnnGets(ann, 'f', 30_000);
    measure('firefox_simulcast_large_tile_to_f_ms', f.ms, `height=${f.height}`);
    await setTile(ann, 'Fox', { width: 160, height: 90 });
    const q = await untilAnnGets(ann, 'q', 10_000);
    measure('firefox_simulcast_thumbnail_to_q_ms', q.ms, `height=${q.height}`);
    assert.ok(q.height < f.height, `the thumbnail gets the smaller picture (${q.height}p, the large tile ${f.height}p)`);
  });
});

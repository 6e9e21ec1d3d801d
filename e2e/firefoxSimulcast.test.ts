/**
 * Firefox publishes the SDK's camera simulcast: a page in Firefox ESR (headless, no server) sends a
 * 720p canvas with exactly the `sendEncodings` the SDK uses, to a second peer connection in the
 * same page that is told, by the usual SDP rewrite, that it takes simulcast. What is checked is the
 * publishing side: the offer lists rids q, h, f in that order with the rid header extension, each
 * rid's outbound-rtp counts bytes at 1/4, 1/2 and full size, and `active = false` set through
 * setParameters (dynacast) stops that rid.
 *
 * Firefox gathers no candidates on loopback alone, so it runs in a network namespace of its own
 * with a veth pair (10.99.0.1), made and thrown away here; the page writes its result to stdout.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { sendEncodingsFor } from '@confab/client';

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

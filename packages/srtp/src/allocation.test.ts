/**
 * The forwarding hot path on the native backend allocates nothing per packet: after warm-up, a
 * million protect + unprotect calls (RTP across ROC wraps, SSRCs above 2^30, some RTCP) run
 * without a single young-generation GC. Measured in a child process with --trace-gc.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const index = fileURLToPath(new URL('./index.ts', import.meta.url));

const code = `
  const { createSrtpSession } = await import(${JSON.stringify(index)});
  for (const profile of ['AEAD_AES_128_GCM', 'AES_CM_128_HMAC_SHA1_80']) {
    const key = new Uint8Array(16).fill(1), salt = new Uint8Array(profile === 'AEAD_AES_128_GCM' ? 12 : 14).fill(2);
    const opts = { profile, backend: 'native', localKey: key, localSalt: salt, remoteKey: key, remoteSalt: salt };
    const tx = createSrtpSession(opts), rx = createSrtpSession(opts);
    const rtp = Buffer.alloc(1200), rtcp = Buffer.alloc(100);
    rtp[0] = 0x80; rtcp[0] = 0x81; rtcp[1] = 201;
    rtcp.set([0x9a, 0xbc, 0xde, 0xf0], 4);
    // SSRCs above 2^30, copied in as bytes: passing them as numbers would allocate in this loop itself.
    const ssrcA = Buffer.from('87654321', 'hex'), ssrcB = Buffer.from('fedcba98', 'hex');
    const run = (from, to) => {
      for (let i = from; i < to; i++) {
        rtp.writeUInt16BE(i & 0xffff, 2);
        rtp.set(i % 3 === 0 ? ssrcA : ssrcB, 8);
        const n = tx.protectRtp(rtp, 1100);
        if (rx.unprotectRtp(rtp, n) !== 1100) throw new Error('rtp ' + i);
        if (i % 50 === 0) {
          const m = tx.protectRtcp(rtcp, 60);
          if (rx.unprotectRtcp(rtcp, m) !== 60) throw new Error('rtcp ' + i);
        }
      }
    };
    run(0, 300000);
    console.log('--- measured ' + profile);
    run(300000, 800000);
    console.log('--- done');
  }
`;

test('no young-generation GC over a million native protect + unprotect calls', () => {
  const child = spawnSync(process.execPath, ['--trace-gc', '--import', 'tsx', '--input-type=module', '-e', code], { encoding: 'utf8' });
  assert.equal(child.status, 0, child.stderr);
  const measured = child.stdout.split('--- measured ').slice(1).map((part) => {
    const [profile = '', ...lines] = part.split('\n');
    const window = lines.slice(0, lines.findIndex((l) => l.startsWith('--- done')));
    return { profile, scavenges: window.filter((l) => l.includes('Scavenge')).length };
  });
  assert.equal(measured.length, 2);
  for (const m of measured) assert.equal(m.scavenges, 0, `${m.profile}: ${m.scavenges} scavenges`);
});

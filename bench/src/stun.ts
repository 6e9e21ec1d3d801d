/**
 * What a consent check (RFC 7675) costs the media worker's JavaScript: the HMAC-SHA1 of
 * MESSAGE-INTEGRITY alone, with node:crypto's createHmac against the pre-padded HmacSha1Key the
 * server uses, and a whole check as the server handles it (parse, FINGERPRINT, MESSAGE-INTEGRITY,
 * the success response with its own integrity and fingerprint; a check takes two HMACs). Each is
 * timed two ways:
 *   hot     in a tight loop;
 *   cold    one at a time with 4 MB of other memory walked in between, as a media thread's fan-out
 *           does between two checks (~100 a second for 256 subscribers).
 * The socket send is left out (the server batches it with the media). Prints µs (median of rounds).
 *   node --import tsx bench/src/stun.ts [--rounds 5 --json]
 */
import { createHmac } from 'node:crypto';
import { parseArgs } from 'node:util';
import {
  buildStun,
  HmacSha1Key,
  parseStun,
  shortTermKey,
  StunClass,
  verifyStunFingerprint,
  verifyStunIntegrity,
} from '@confab/wire';

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '5' }, json: { type: 'boolean', default: false } } });
const rounds = Number(values.rounds);
if (!(Number.isInteger(rounds) && rounds >= 1 && rounds <= 100)) throw new Error('--rounds: 1 to 100');

const password = 'Rk3lf8WmZq0sQ1bV7nYc2x';
const rawKey = shortTermKey(password);
const paddedKey = new HmacSha1Key(rawKey);
// A consent check as a browser sends it: USERNAME, ICE-CONTROLLING, PRIORITY, integrity, fingerprint.
const check = buildStun({
  messageClass: StunClass.Request,
  transactionId: Buffer.from('0123456789ab'),
  username: 'q9Xw:Kd8s',
  iceControlling: 0x1234567890abcdefn,
  priority: 1853824767,
  integrityKey: rawKey,
  fingerprint: true,
});
const signed = check.subarray(0, 72);
const digest = new Uint8Array(20);

const cases: Record<string, () => void> = {
  'hmac node:crypto': () => void createHmac('sha1', rawKey).update(signed).digest(),
  'hmac HmacSha1Key': () => {
    paddedKey.begin().update(signed, 0, signed.length);
    paddedKey.finishHmac(digest, 0);
  },
  'whole check': () => wholeCheck(paddedKey),
};

function wholeCheck(key: HmacSha1Key): void {
  const msg = parseStun(check, check.length);
  if (msg === null || !verifyStunFingerprint(check, msg) || !verifyStunIntegrity(check, msg, key)) throw new Error('check did not verify');
  buildStun({
    messageClass: StunClass.SuccessResponse,
    transactionId: msg.transactionId,
    xorMappedAddress: { address: '127.0.0.1', port: 50_000 },
    integrityKey: key,
    fingerprint: true,
  });
}

const other = new Float64Array(512 * 1024);
function timeHot(run: () => void, count: number): number {
  const start = performance.now();
  for (let i = 0; i < count; i++) run();
  return ((performance.now() - start) * 1000) / count;
}
function timeCold(run: () => void, count: number): number {
  let total = 0;
  for (let i = 0; i < count; i++) {
    for (let j = 0; j < other.length; j += 8) other[j]! += 1;
    const start = performance.now();
    run();
    total += performance.now() - start;
  }
  return (total * 1000) / count;
}

const median = (list: number[]) => [...list].sort((a, b) => a - b)[list.length >> 1]!;
const results: Record<string, { hotUs: number; coldUs: number }> = {};
for (const [name, run] of Object.entries(cases)) {
  timeHot(run, 20_000);
  const hot: number[] = [];
  const cold: number[] = [];
  for (let r = 0; r < rounds; r++) {
    hot.push(timeHot(run, 50_000));
    cold.push(timeCold(run, 2_000));
  }
  results[name] = { hotUs: median(hot), coldUs: median(cold) };
}
if (values.json) {
  console.log(JSON.stringify({ results, summary: { consent_check_cold_us: results['whole check']!.coldUs } }, null, 2));
} else {
  for (const [name, r] of Object.entries(results)) console.log(`${name.padEnd(20)} hot ${r.hotUs.toFixed(2).padStart(6)} µs   cold ${r.coldUs.toFixed(2).padStart(6)} µs`);
}

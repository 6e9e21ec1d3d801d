/**
 * SRTP micro-benchmark: CPU µs per protect / unprotect of one 1,100-byte RTP packet through an
 * @confab/srtp session, native core vs TypeScript backend, both profiles; plus Node's own
 * cipher-object-per-packet as the reference the native core replaces. One thread, in process.
 *
 *   npm run srtp -w @confab/bench [-- --packets 100000 --rounds 5 --json]
 *
 * Each figure is the median over rounds of process CPU time (user + sys) / packets; unprotect is
 * (protect + unprotect of the same buffer) minus protect, so its packets are as hot in cache as
 * a packet just read from the socket.
 */
import { createCipheriv, createHmac, randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { createSrtpSession, SRTP_PROFILES, type SrtpBackend, type SrtpProfile, type SrtpSession } from '@confab/srtp';

const { values } = parseArgs({
  options: {
    packets: { type: 'string', default: '100000' },
    rounds: { type: 'string', default: '5' },
    json: { type: 'boolean', default: false },
  },
});
const packets = Number(values.packets);
const rounds = Number(values.rounds);
if (!(Number.isInteger(packets) && packets >= 1000 && packets <= 5_000_000)) fail('--packets: 1000 to 5000000');
if (!(Number.isInteger(rounds) && rounds >= 1 && rounds <= 50)) fail('--rounds: 1 to 50');

const PACKET_BYTES = 1100;
const HEADER_BYTES = 12;
const PROFILES: SrtpProfile[] = ['AEAD_AES_128_GCM', 'AES_CM_128_HMAC_SHA1_80'];
const BACKENDS: SrtpBackend[] = ['native', 'ts'];

interface Row {
  profile: SrtpProfile;
  implementation: string;
  operation: 'protect' | 'unprotect';
  usPerPacket: number;
}

/** CPU µs per call of `run(i)`, median over rounds after one untimed warm-up; `prepare` runs untimed before each. */
function measure(count: number, run: (i: number) => void, prepare: () => void = () => {}): number {
  prepare();
  for (let i = 0; i < Math.min(count, 20_000); i++) run(i);
  const results: number[] = [];
  for (let r = 0; r < rounds; r++) {
    prepare();
    const start = process.cpuUsage();
    for (let i = 0; i < count; i++) run(i);
    const used = process.cpuUsage(start);
    results.push((used.user + used.system) / count);
  }
  results.sort((a, b) => a - b);
  return results[Math.floor(results.length / 2)]!;
}

function rtpPacket(): Buffer {
  const buf = Buffer.alloc(PACKET_BYTES + 32);
  randomBytes(PACKET_BYTES).copy(buf);
  buf[0] = 0x80;
  buf[1] = 96;
  buf.writeUInt32BE(0x12345678, 8);
  return buf;
}

/** Two ends of one association with random keys. */
function sessions(profile: SrtpProfile, backend: SrtpBackend): { sender: SrtpSession; receiver: SrtpSession } {
  const { keyLength, saltLength } = SRTP_PROFILES[profile];
  const key = randomBytes(keyLength);
  const salt = randomBytes(saltLength);
  const other = randomBytes(keyLength);
  const otherSalt = randomBytes(saltLength);
  return {
    sender: createSrtpSession({ profile, backend, localKey: key, localSalt: salt, remoteKey: other, remoteSalt: otherSalt }),
    receiver: createSrtpSession({ profile, backend, localKey: other, localSalt: otherSalt, remoteKey: key, remoteSalt: salt }),
  };
}

function benchSession(profile: SrtpProfile, backend: SrtpBackend): Row[] {
  const buf = rtpPacket();
  let pair = sessions(profile, backend);
  const fresh = () => {
    pair = sessions(profile, backend);
  };
  const protect = measure(
    packets,
    (i) => {
      buf.writeUInt16BE(i & 0xffff, 2);
      if (pair.sender.protectRtp(buf, PACKET_BYTES) < 0) throw new Error('protect failed');
    },
    fresh,
  );
  // Unprotect needs packets it has not seen (replay window), in cache as a just-received one is:
  // protect then unprotect the same buffer, and subtract the protect time.
  const roundTrip = measure(
    packets,
    (i) => {
      buf.writeUInt16BE(i & 0xffff, 2);
      const n = pair.sender.protectRtp(buf, PACKET_BYTES);
      if (pair.receiver.unprotectRtp(buf, n) !== PACKET_BYTES) throw new Error('unprotect failed');
    },
    fresh,
  );
  return [
    { profile, implementation: `@confab/srtp ${backend}`, operation: 'protect', usPerPacket: protect },
    { profile, implementation: `@confab/srtp ${backend}`, operation: 'unprotect', usPerPacket: roundTrip - protect },
  ];
}

/** What a forwarder pays with plain node:crypto: a new cipher (and Hmac) object per packet. */
function benchNodeReference(profile: SrtpProfile): Row {
  const key = randomBytes(16);
  const iv = randomBytes(profile === 'AEAD_AES_128_GCM' ? 12 : 16);
  const authKey = randomBytes(20);
  const buf = rtpPacket();
  const run =
    profile === 'AEAD_AES_128_GCM'
      ? () => {
          const c = createCipheriv('aes-128-gcm', key, iv);
          c.setAAD(buf.subarray(0, HEADER_BYTES));
          buf.set(c.update(buf.subarray(HEADER_BYTES, PACKET_BYTES)), HEADER_BYTES);
          c.final();
          buf.set(c.getAuthTag(), PACKET_BYTES);
        }
      : () => {
          const c = createCipheriv('aes-128-ctr', key, iv);
          buf.set(c.update(buf.subarray(HEADER_BYTES, PACKET_BYTES)), HEADER_BYTES);
          buf.set(createHmac('sha1', authKey).update(buf.subarray(0, PACKET_BYTES)).digest().subarray(0, 10), PACKET_BYTES);
        };
  return { profile, implementation: 'node:crypto, new cipher per packet', operation: 'protect', usPerPacket: measure(packets, run) };
}

function fail(message: string): never {
  console.error(message);
  process.exit(2);
}

const rows: Row[] = [];
for (const profile of PROFILES) {
  for (const backend of BACKENDS) rows.push(...benchSession(profile, backend));
  rows.push(benchNodeReference(profile));
}

if (values.json) {
  console.log(JSON.stringify({ packetBytes: PACKET_BYTES, packets, rounds, node: process.version, rows }, null, 2));
} else {
  console.log(`SRTP, ${PACKET_BYTES}-byte RTP packets, CPU µs per packet (median of ${rounds} rounds), Node ${process.version}`);
  console.log('| profile | implementation | operation | µs/packet |');
  console.log('| --- | --- | --- | ---: |');
  for (const r of rows) console.log(`| ${r.profile} | ${r.implementation} | ${r.operation} | ${r.usPerPacket.toFixed(2)} |`);
}

/**
 * Micro-benchmark of the forwarding path's per-packet header work in @confab/wire: what one
 * subscriber's copy of a packet costs before encryption. For a Chromium-shaped VP8 packet
 * (1,100-byte payload, one-byte extensions abs-send-time, transport-wide-cc, mid) it measures
 *
 *   copy     Buffer.copy of the packet into the subscriber's buffer (the floor)
 *   rewrite  copy + RtpStreamRewriter.rewrite (SSRC, payload type, seq, timestamp)
 *            + remapRtpExtensions (ids to the subscriber's, mid dropped)
 *            + writeTransportCcSeq (the subscriber transport's own sequence number)
 *   fan-out  the same, one source packet to 32 subscribers, each with its own buffer and state
 *   ingress  rtpCheck + readTransportCcSeq + isVp8KeyFrame on the publisher's packet
 *
 * and prints ns per operation (median of rounds). CPU-bound and single-threaded; run it on a quiet
 * machine:   npm run rtp-rewrite -w bench [-- --rounds 7 --iterations 2000000 --json]
 */
import { parseArgs } from 'node:util';
import {
  RtpStreamRewriter,
  isVp8KeyFrame,
  remapRtpExtensions,
  rtpCheck,
  readTransportCcSeq,
  setRtpSeq,
  setRtpTimestamp,
  writeTransportCcSeq,
} from '@confab/wire';

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '7' },
    iterations: { type: 'string', default: '2000000' },
    json: { type: 'boolean', default: false },
  },
});
const rounds = Number(values.rounds);
const iterations = Number(values.iterations);
if (!(Number.isInteger(rounds) && rounds >= 1 && rounds <= 100)) throw new Error('--rounds: 1 to 100');
if (!(Number.isInteger(iterations) && iterations >= 1000 && iterations <= 1e9)) throw new Error('--iterations: 1000 to 1e9');

const SUBSCRIBERS = 32;
const PUBLISHER = { absSendTime: 2, transportWideCc: 3, mid: 4 };
const SUBSCRIBER = { absSendTime: 5, transportWideCc: 7 };

/** A VP8 packet as Chromium sends it: header, 12-byte one-byte extension block, 1,100-byte payload. */
function chromiumLikePacket(): Buffer {
  const header = Buffer.from('90606078e420661aca6f9087bede0003' + '227116d2' + '31000240' + '31000000', 'hex');
  const payload = Buffer.alloc(1100, 0x5a);
  payload[0] = 0x90; // VP8 descriptor: X, S
  return Buffer.concat([header, payload]);
}

const source = chromiumLikePacket();
const len = source.length;
const headerLen = rtpCheck(source, len);
const payloadSize = len - headerLen;
const table = new Uint8Array(256);
table[PUBLISHER.absSendTime] = SUBSCRIBER.absSendTime;
table[PUBLISHER.transportWideCc] = SUBSCRIBER.transportWideCc;

interface Subscriber {
  buf: Buffer;
  rewriter: RtpStreamRewriter;
  transportSeq: number;
}

function subscriber(i: number): Subscriber {
  return { buf: Buffer.alloc(1500), rewriter: new RtpStreamRewriter(0x1000 + i, 96, 90000), transportSeq: 0 };
}

/** One subscriber's work for one packet; returns something so the JIT cannot drop it. */
function forward(sub: Subscriber, packet: Buffer, nowMs: number): number {
  packet.copy(sub.buf, 0, 0, len);
  sub.rewriter.rewrite(sub.buf, payloadSize, nowMs);
  remapRtpExtensions(sub.buf, table);
  sub.transportSeq = (sub.transportSeq + 1) & 0xffff;
  writeTransportCcSeq(sub.buf, SUBSCRIBER.transportWideCc, sub.transportSeq);
  return sub.buf[3]!;
}

/** Moves the source packet on by one (sequence number and timestamp), as the next packet would. */
function advance(packet: Buffer, i: number): void {
  setRtpSeq(packet, (0x6078 + i) & 0xffff);
  setRtpTimestamp(packet, (0xe420661a + Math.floor(i / 4) * 3000) >>> 0);
}

type Case = { name: string; opsPerIteration: number; run: (n: number) => number };

const single = subscriber(0);
const fanOut = Array.from({ length: SUBSCRIBERS }, (_, i) => subscriber(i + 1));
const copyTarget = Buffer.alloc(1500);

const cases: Case[] = [
  {
    name: 'copy',
    opsPerIteration: 1,
    run(n) {
      let sink = 0;
      for (let i = 0; i < n; i++) {
        source.copy(copyTarget, 0, 0, len);
        sink += copyTarget[i & 1023]!;
      }
      return sink;
    },
  },
  {
    name: 'rewrite',
    opsPerIteration: 1,
    run(n) {
      let sink = 0;
      for (let i = 0; i < n; i++) {
        advance(source, i);
        sink += forward(single, source, i >>> 5);
      }
      return sink;
    },
  },
  {
    name: `fan-out x${SUBSCRIBERS}`,
    opsPerIteration: SUBSCRIBERS,
    run(n) {
      let sink = 0;
      const packets = Math.ceil(n / SUBSCRIBERS);
      for (let i = 0; i < packets; i++) {
        advance(source, i);
        for (let s = 0; s < SUBSCRIBERS; s++) sink += forward(fanOut[s]!, source, i >>> 5);
      }
      return sink;
    },
  },
  {
    name: 'ingress',
    opsPerIteration: 1,
    run(n) {
      let sink = 0;
      for (let i = 0; i < n; i++) {
        advance(source, i);
        const payload = rtpCheck(source, len);
        sink += readTransportCcSeq(source, PUBLISHER.transportWideCc) + (isVp8KeyFrame(source, payload, len) ? 1 : 0);
      }
      return sink;
    },
  },
];

function median(xs: number[]): number {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

const results: { name: string; nsPerOp: number; minNsPerOp: number }[] = [];
let sink = 0;
for (const c of cases) {
  sink += c.run(Math.min(iterations, 200_000)); // warm-up: let the JIT settle
  const perOp: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const ops = Math.ceil(iterations / c.opsPerIteration) * c.opsPerIteration;
    const start = process.hrtime.bigint();
    sink += c.run(ops);
    perOp.push(Number(process.hrtime.bigint() - start) / ops);
  }
  results.push({ name: c.name, nsPerOp: median(perOp), minNsPerOp: Math.min(...perOp) });
}

if (values.json) {
  console.log(JSON.stringify({ iterations, rounds, packetBytes: len, results }, null, 2));
} else {
  console.log(`RTP rewrite micro-benchmark: ${len}-byte packets, ${iterations} ops x ${rounds} rounds, Node ${process.version}`);
  console.log('case            ns/op (median)   ns/op (best)');
  for (const r of results) console.log(`${r.name.padEnd(16)}${r.nsPerOp.toFixed(1).padStart(14)}${r.minNsPerOp.toFixed(1).padStart(15)}`);
  const copy = results.find((r) => r.name === 'copy')!.nsPerOp;
  const rewrite = results.find((r) => r.name === 'rewrite')!.nsPerOp;
  console.log(`rewrite + remap beyond the copy: ${(rewrite - copy).toFixed(1)} ns per packet`);
}
if (sink === 0.5) console.log('unreachable'); // keeps `sink` alive

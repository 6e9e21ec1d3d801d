import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { chromiumRtp } from '../fixtures/chromium';
import { hex, mutate, randomBytes, randomInt, seededRandom, strict } from '../fixtures/fuzz';
import { malformed } from '../fixtures/malformed';
import { isH264KeyFrame, isVp8KeyFrame } from './keyFrame';
import { PacketCache } from './PacketCache';
import {
  extensionLength,
  extensionOffset,
  findRtpExtension,
  readAbsSendTime,
  readAudioLevel,
  readSdesItem,
  readTransportCcSeq,
  remapRtpExtensions,
  stripRtpExtensions,
} from './rtpExtensions';
import { rtpCheck, rtpPaddingSize, rtpSeq, rtpSsrc } from './rtpHeader';
import { RtpStreamRewriter } from './RtpStreamRewriter';
import { unwrapRtx, writeRtxPacket } from './rtx';

const ITERATIONS = 20_000;

const seeds: Buffer[] = [
  ...Object.values(chromiumRtp).map((f) => hex(f.hex)),
  ...Object.entries(malformed).filter(([name]) => name.startsWith('rtp')).map(([, f]) => hex(f.hex)),
  // Two-byte extension form, a CSRC, an H264 FU-A payload, padding.
  hex('b1660001000000020000000300000009' + '10000003' + '0100020103040102' + '03047c85' + 'b80000000003'),
];

/** Everything a receiver does with an untrusted packet; the strict view throws on any read outside it. */
function exercise(input: Buffer, random: () => number): void {
  const len = input.length;
  const buf = strict(Buffer.from(input));
  const payload = rtpCheck(buf, len);
  if (payload < 0) return;
  assert.ok(payload >= 12 && payload <= len);
  const padding = rtpPaddingSize(buf, len);
  assert.ok(padding >= 0 && payload + padding <= len);
  for (let id = 0; id < 20; id++) {
    const ref = findRtpExtension(buf, id === 19 ? 200 : id);
    if (ref >= 0) assert.ok(extensionOffset(ref) > 12 && extensionOffset(ref) + extensionLength(ref) <= payload);
  }
  const id = 1 + randomInt(random, 14);
  readTransportCcSeq(buf, id);
  readAbsSendTime(buf, id);
  readAudioLevel(buf, id);
  readSdesItem(buf, id);
  isVp8KeyFrame(buf, payload, len - padding);
  isH264KeyFrame(buf, payload, len - padding);

  const table = new Uint8Array(256);
  for (let i = 0; i < 256; i++) table[i] = random() < 0.5 ? 0 : randomInt(random, 256);
  const remapped = strict(Buffer.from(input));
  remapRtpExtensions(remapped, table);
  assert.equal(rtpCheck(remapped, len), payload, 'remapping keeps the layout');
  assert.deepEqual(Buffer.from(remapped.subarray(payload)), input.subarray(payload), 'and the payload');

  const stripped = strict(Buffer.from(input));
  const strippedLen = stripRtpExtensions(stripped, len);
  assert.ok(rtpCheck(stripped, strippedLen) >= 12, 'stripping leaves a valid packet');

  const rtx = Buffer.alloc(len + 2);
  const rtxLen = writeRtxPacket(buf, len, rtx, 1, 97, 2);
  assert.equal(rtxLen, len - padding + 2);
  const unwrapped = strict(Buffer.from(input));
  const back = unwrapRtx(unwrapped, len, 3, 96);
  assert.ok(back === -1 || (back >= payload && back <= len - 2));
}

describe('RTP parsers under fuzzing (seeded)', { timeout: 120_000 }, () => {
  it(`survive ${ITERATIONS} mutated real packets`, () => {
    const random = seededRandom(0x5eed);
    let valid = 0;
    for (let i = 0; i < ITERATIONS; i++) {
      const input = mutate(random, seeds[i % seeds.length]!);
      exercise(input, random);
      if (rtpCheck(input, input.length) >= 0) valid++;
    }
    assert.ok(valid > ITERATIONS / 10, `${valid} mutants still had a valid header, so the deep paths ran`);
  });

  it(`survive ${ITERATIONS} random inputs shaped like RTP`, () => {
    const random = seededRandom(7);
    for (let i = 0; i < ITERATIONS; i++) {
      const input = randomBytes(random, randomInt(random, 80));
      if (input.length > 0) input[0] = (input[0]! & 0x3f) | 0x80; // version 2, the rest random
      exercise(input, random);
    }
  });

  it('key frame detectors survive random payloads at any bounds', () => {
    const random = seededRandom(11);
    for (let i = 0; i < ITERATIONS; i++) {
      const buf = strict(randomBytes(random, 1 + randomInt(random, 40)));
      const start = randomInt(random, buf.length + 1);
      const end = start + randomInt(random, buf.length - start + 1);
      isVp8KeyFrame(buf, start, end);
      isH264KeyFrame(buf, start, end);
    }
  });

  it('the stream rewriter and the packet cache hold their invariants over random streams', () => {
    const random = seededRandom(13);
    const rewriter = new RtpStreamRewriter(0xfeed, 96, 90000);
    const cache = new PacketCache(64, 200);
    const sent = new Map<number, number>(); // out seq -> source seq, current segment
    let ssrc = 1;
    let seq = 0;
    let now = 0;
    let lastOut = -1;
    for (let i = 0; i < ITERATIONS; i++) {
      now += randomInt(random, 30);
      const r = random();
      if (r < 0.002) {
        ssrc++;
        seq = randomInt(random, 0x10000);
        sent.clear();
      } else if (r < 0.004) {
        rewriter.resync();
        seq += randomInt(random, 100);
        sent.clear();
      }
      const s = (seq + (random() < 0.1 ? -randomInt(random, 5) : 0)) & 0xffff; // some reordering
      seq++;
      const packet = Buffer.alloc(12 + randomInt(random, 300));
      packet[0] = 0x80;
      packet.writeUInt16BE(s, 2);
      packet.writeUInt32BE(randomInt(random, 2 ** 32), 4);
      packet.writeUInt32BE(ssrc, 8);
      cache.store(packet, packet.length, now);
      assert.ok(cache.lookup(s, now) === -1 || rtpSeq(cache.slot(s)) === s);
      if (rewriter.rewrite(packet, packet.length - 12, now)) {
        const out = rtpSeq(packet);
        assert.equal(rtpSsrc(packet), 0xfeed);
        if (sent.has(out)) assert.equal(sent.get(out), s, 'one output number never means two source packets');
        sent.set(out, s);
        if (lastOut >= 0 && sent.size === 1) assert.equal(out, (lastOut + 1) & 0xffff, 'a new segment follows on');
        if (((out - lastOut) & 0xffff) < 0x8000) lastOut = out;
        assert.equal(rewriter.sourceSeq(out), s);
      }
    }
  });
});

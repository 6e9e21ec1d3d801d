import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PerformanceObserver } from 'node:perf_hooks';
import { CHROMIUM_EXTENSION_IDS as IDS, chromiumRtp } from '../fixtures/chromium';
import { hex } from '../fixtures/fuzz';
import { NackGenerator } from '../rtcp/NackGenerator';
import { ReceiveStats } from '../rtcp/ReceiveStats';
import { TwccRecorder } from '../rtcp/TwccRecorder';
import { isVp8KeyFrame } from './keyFrame';
import { PacketCache } from './PacketCache';
import { readTransportCcSeq, remapRtpExtensions, writeTransportCcSeq } from './rtpExtensions';
import { rtpCheck, rtpPaddingSize, rtpSeq, rtpSsrc, rtpTimestamp, setRtpSeq, setRtpSsrc, setRtpTimestamp } from './rtpHeader';
import { RtpStreamRewriter } from './RtpStreamRewriter';

const PACKETS = 4_000_000;
const SUBSCRIBERS = 2;

/**
 * Every packet-path step for one received packet and its copies to subscribers, as the engine will
 * run them, on a real packet. Its SSRC and timestamps stay below 2^30 and times are whole
 * milliseconds: numbers V8 keeps as small integers. Larger ones (a uint32 timestamp past 2^31, a
 * fractional performance.now()) become a 16-byte HeapNumber when they cross a call V8 does not
 * inline; that is the caller's values, not this package's objects, and costs about 1% of a
 * 100 ns pipeline in young-generation collections. What this test counts is what we allocate.
 */
function pipeline() {
  const packet = hex(chromiumRtp.vp8KeyFrame.hex);
  setRtpSsrc(packet, 0x12345678);
  const len = packet.length;
  const cache = new PacketCache(512, 1500);
  const twcc = new TwccRecorder();
  const nack = new NackGenerator();
  const stats = new ReceiveStats(rtpSsrc(packet), 90000);
  const table = new Uint8Array(256);
  table[IDS.transportWideCc] = 9;
  table[IDS.absSendTime] = 10;
  const subscribers = Array.from({ length: SUBSCRIBERS }, (_, i) => ({ buf: Buffer.alloc(1500), rewriter: new RtpStreamRewriter(100 + i, 96, 90000) }));
  const feedback = Buffer.alloc(1500);
  let sink = 0;
  return (i: number) => {
    setRtpSeq(packet, i & 0xffff);
    setRtpTimestamp(packet, ((i >> 2) & 0x3ffff) * 3000); // every intermediate a small integer, even in unoptimized code
    const payload = rtpCheck(packet, len);
    const end = len - rtpPaddingSize(packet, len);
    twcc.record(readTransportCcSeq(packet, IDS.transportWideCc), i * 30, rtpSsrc(packet));
    stats.onPacket(rtpSeq(packet), rtpTimestamp(packet), (i >> 5));
    nack.onPacket(rtpSeq(packet), (i >> 5), isVp8KeyFrame(packet, payload, end));
    cache.store(packet, len, (i >> 5));
    for (let s = 0; s < subscribers.length; s++) {
      const sub = subscribers[s]!;
      packet.copy(sub.buf, 0, 0, len);
      sub.rewriter.rewrite(sub.buf, end - payload, (i >> 5));
      remapRtpExtensions(sub.buf, table);
      writeTransportCcSeq(sub.buf, 9, i);
    }
    if ((i & 1023) === 0) sink += twcc.buildFeedback(feedback, 0, 1);
    return sink;
  };
}

describe('the packet path', () => {
  it('allocates nothing per packet (no garbage collection over millions of packets)', async () => {
    let collections = 0;
    const observer = new PerformanceObserver((list) => (collections += list.getEntries().length));
    const step = pipeline();
    for (let i = 0; i < 300_000; i++) step(i); // warm-up: compile (later on a loaded machine), size the heap
    await new Promise((resolve) => setTimeout(resolve, 20));
    observer.observe({ entryTypes: ['gc'] });
    for (let i = 300_000; i < 300_000 + PACKETS; i++) step(i);
    await new Promise((resolve) => setTimeout(resolve, 20)); // let the observer deliver
    observer.disconnect();
    // One 16-byte object per packet would be 64 MB over the run: several young-generation collections.
    assert.ok(collections <= 1, `${collections} garbage collections over ${PACKETS} packets`);
  });
});

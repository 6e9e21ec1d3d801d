/**
 * The native fan-out against the TypeScript path on the recorded Chromium simulcast stream: the
 * same producer and consumers (layer switches up and down, a layer stopped for bandwidth, a pause
 * and resume, a connection lost and back, RTX answers to NACKs, extension ids remapped or
 * dropped) must send the same bytes, packet for packet, with the native core doing most of it.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { nativeRtpFanout, NATIVE_FANOUT_ENV, type NativeRtpFanout } from '@confab/srtp';
import { rtpPayloadType, rtpSeq, rtpSsrc } from '@confab/wire';
import type { MediaCounters } from '../../MediaCounters';
import { PacketSlots } from '../PacketSlots';
import { SfuConsumer, type ConsumerOwner } from '../SfuConsumer';
import { SsrcAllocator } from '../SsrcAllocator';
import { CHROMIUM_SIMULCAST_RTP } from '../simulcast/chromiumSimulcastRtp.fixture';
import { chromiumSimulcastProducer, testConsumerOwner, testSfuContext } from '../testing/sfuTestParts';

/** SSRCs 1001, 1002, ...: both runs must number their streams alike to be compared byte for byte. */
class CountingSsrcs extends SsrcAllocator {
  private next = 1000;
  override allocate(): number {
    return ++this.next;
  }
}

interface Subscriber {
  consumer: SfuConsumer;
  owner: ConsumerOwner & { connected: boolean };
  /** Every packet handed to the transport, as hex. */
  sent: string[];
  /** Our sequence numbers of the media packets sent, for the NACKs. */
  seqs: number[];
}

/** The subscribers' transport-wide-cc ids: the same as the publisher's, another one, none (the element is dropped). */
const TRANSPORT_CC_IDS = [3, 5, 0, 7, 3];
/** Five groups, each doing the same (below): more subscribers than one native call takes (ProducerFanout's CHUNK). */
const SUBSCRIBERS = 70;

function run(fanout: NativeRtpFanout | null): { subscribers: Subscriber[]; counters: MediaCounters } {
  const ctx = testSfuContext({ fanout, slots: new PacketSlots(64), ssrcs: new CountingSsrcs() });
  const producer = chromiumSimulcastProducer(ctx);
  const subscribers = Array.from({ length: SUBSCRIBERS }, (_, i): Subscriber => {
    const transportCcId = TRANSPORT_CC_IDS[i % TRANSPORT_CC_IDS.length]!;
    const sent: string[] = [];
    const seqs: number[] = [];
    const owner = testConsumerOwner((slot, length) => {
      sent.push(slot.subarray(0, length).toString('hex'));
      if (rtpPayloadType(slot) === 96) seqs.push(rtpSeq(slot));
      return true;
    });
    const consumer = new SfuConsumer(producer, String(i), owner, ctx, {});
    // The RTX sequence starts at random; both runs start it at the same place.
    (consumer as unknown as { rtxSeq: number }).rtxSeq = 100 * i;
    producer.addConsumer(consumer);
    consumer.prepareOffer();
    consumer.negotiate({ mid: String(i), receiving: true, payloadTypes: new Set([96, 97]), audioLevelId: 0, transportCcId });
    return { consumer, owner, sent, seqs };
  });
  const target = (group: Subscriber[], layer: number, t: number, dropCurrent = false) => {
    for (const s of group) {
      const a = s.consumer.allocation;
      a.target = layer;
      a.pausedForBandwidth = false;
      a.dropCurrent = dropCurrent;
      s.consumer.applyAllocation(t);
    }
  };
  const connect = (group: Subscriber[], connected: boolean) => {
    for (const s of group) {
      s.owner.connected = connected;
      s.consumer.connectionChanged();
    }
  };
  const [a, b, c, d, e] = TRANSPORT_CC_IDS.map((_, k) => subscribers.filter((_, i) => i % TRANSPORT_CC_IDS.length === k)) as [Subscriber[], Subscriber[], Subscriber[], Subscriber[], Subscriber[]];
  // The recording's key frames (every layer) are at ~500, ~1310 and ~2100 ms.
  const events: [number, () => void][] = [
    [0, () => (target(a, 0, 0), target(b, 2, 0), target(c, 1, 0), target(d, 0, 0), target(e, 2, 0))],
    [700, () => target(a, 2, 700)],
    [900, () => c.forEach((s) => s.consumer.pause())],
    [1000, () => connect(d, false)],
    [1200, () => connect(d, true)],
    [1500, () => c.forEach((s) => s.consumer.resume())],
    [1600, () => target(a, 1, 1600)],
    [1800, () => target(e, 0, 1800, true)],
  ];
  let nextNack = 100;
  for (const [t, rid, , headerLength, hex] of CHROMIUM_SIMULCAST_RTP) {
    while (events.length > 0 && events[0]![0] <= t) events.shift()![1]();
    if (t >= nextNack) {
      // Every 100 ms each subscriber NACKs the packet it got 3 packets ago: RTX from the cache, rewritten as sent.
      nextNack += 100;
      for (const s of subscribers) if (s.seqs.length > 3) s.consumer.retransmit(s.seqs[s.seqs.length - 3]!, t);
    }
    const buf = Buffer.from(hex, 'hex');
    const layer = producer.layerByRid(rid)!;
    if (layer.ssrc < 0) producer.learnSsrc(layer, rtpSsrc(buf), false);
    producer.receive(layer, buf, buf.length, headerLength, t);
  }
  return { subscribers, counters: ctx.counters };
}

function loadFanout(): NativeRtpFanout | string {
  const before = process.env[NATIVE_FANOUT_ENV];
  process.env[NATIVE_FANOUT_ENV] = '1';
  try {
    return nativeRtpFanout()!;
  } catch (err) {
    return (err as Error).message;
  } finally {
    if (before === undefined) delete process.env[NATIVE_FANOUT_ENV];
    else process.env[NATIVE_FANOUT_ENV] = before;
  }
}

test('the native fan-out sends what the TypeScript path sends, byte for byte, through switches, pauses, lost connections and RTX', (t) => {
  const native = loadFanout();
  if (typeof native === 'string') {
    t.skip(native);
    return;
  }
  let rowsForwarded = 0;
  const counting: NativeRtpFanout = (...args) => {
    const used = native(...args);
    rowsForwarded += Math.max(used, 0);
    return used;
  };
  const ts = run(null);
  const nat = run(counting);
  for (let i = 0; i < ts.subscribers.length; i++) {
    const expected = ts.subscribers[i]!.sent;
    const actual = nat.subscribers[i]!.sent;
    assert.ok(expected.length > 50, `subscriber ${i} got ${expected.length} packets`);
    for (let k = 0; k < expected.length; k++) assert.equal(actual[k], expected[k], `subscriber ${i}, packet ${k}`);
    assert.equal(actual.length, expected.length, `subscriber ${i}: as many packets`);
    const rtx = expected.filter((hex) => parseInt(hex.slice(2, 4), 16) % 128 === 97).length;
    assert.ok(rtx > 10, `subscriber ${i}: NACKs were answered with RTX (${rtx})`);
  }
  assert.deepEqual(nat.counters.snapshot(), ts.counters.snapshot(), 'the same packets and bytes counted as forwarded');
  const forwarded = ts.counters.rtpPacketsForwarded;
  // Switches, resumes and the first packet of each segment went through the TypeScript path; the rest native.
  assert.ok(rowsForwarded > 0.9 * forwarded && rowsForwarded < forwarded, `native ${rowsForwarded} of ${forwarded} forwarded packets`);
});

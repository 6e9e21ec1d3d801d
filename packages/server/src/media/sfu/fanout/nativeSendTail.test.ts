/**
 * The native fan-out's send tail (packages/srtp/native/send_state.c) against the TypeScript path,
 * on the recorded Chromium simulcast stream and an Opus stream beside it (audio is not paced, and
 * never waits behind video): subscribers whose pacer has no rate, one that lets key frames through
 * in bursts, one that queues them, and one sending a probe cluster meanwhile, with and without
 * transport-wide-cc, and with its element to overwrite or to add (into a block of either form, or
 * as a new block). The same bytes must reach the seal, and every transport's
 * send state (the pacer's gate, the offered bytes, the transport-wide numbers and the send
 * history) must end bit for bit the same, with the native core pacing and numbering most copies.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { nativeRtpFanout, nativeSendStates, NATIVE_FANOUT_ENV, type NativeRtpFanout, type NativeSendStates } from '@confab/srtp';
import { rtpSsrc } from '@confab/wire';
import type { SfuProducer } from '../SfuProducer';
import { silentLogger } from '../../logger';
import { PacketSlots } from '../PacketSlots';
import { SfuConsumer } from '../SfuConsumer';
import { SsrcAllocator } from '../SsrcAllocator';
import { SubscriberBandwidth } from '../SubscriberBandwidth';
import { CHROMIUM_SIMULCAST_RTP } from '../simulcast/chromiumSimulcastRtp.fixture';
import { chromiumMicrophoneProducer, chromiumSimulcastProducer, testConsumerOwner, testSfuContext } from '../testing/sfuTestParts';

class CountingSsrcs extends SsrcAllocator {
  private next = 1000;
  override allocate(): number {
    return ++this.next;
  }
}

/**
 * Per subscriber group: its transport-wide-cc id (0: none) and its pacer's rate (bits/s). The
 * recording keeps 64 bytes of each packet, so the rates are low: at 40 kbit/s a burst of two
 * packets already waits (Pacer's BURST_MS holds 100 bytes). `dropsElement`: the consumers drop the
 * publisher's element, so every packet has it added.
 */
const GROUPS = [
  { transportCcId: 3, rate: Infinity },
  { transportCcId: 5, rate: 200_000 },
  { transportCcId: 3, rate: 40_000 },
  { transportCcId: 0, rate: 40_000 },
  { transportCcId: 7, rate: 100_000, probeAtMs: 1000 },
  { transportCcId: 6, rate: Infinity, dropsElement: true },
];
const SUBSCRIBERS = 40;
/** The SRTP tag the seal would add: what a protectAndSend answers on top of the length. */
const SEAL_OVERHEAD = 16;
/** The recorded offer's extension ids: audio level and transport-wide-cc. */
const AUDIO_LEVEL_ID = 1;
const TRANSPORT_CC_ID = 3;

/**
 * Extension blocks of the Opus packets, in turn: as Chromium sends them (audio level and a
 * transport-wide number, one-byte form), none, the two-byte form, then each form with an audio
 * level element of 6 bytes and no transport-wide number, whose block has no room left for one.
 */
const OPUS_EXTENSIONS = [
  (level: number, seq: number) => [0xbe, 0xde, 0, 2, (AUDIO_LEVEL_ID << 4) | 0, level, (TRANSPORT_CC_ID << 4) | 1, 0, seq, 0, 0, 0],
  () => [],
  (level: number, seq: number) => [0x10, 0x00, 0, 2, AUDIO_LEVEL_ID, 1, level, TRANSPORT_CC_ID, 2, 0, seq, 0],
  (level: number) => [0xbe, 0xde, 0, 2, (AUDIO_LEVEL_ID << 4) | 5, level, 1, 2, 3, 4, 5, 0],
  (level: number) => [0x10, 0x00, 0, 2, AUDIO_LEVEL_ID, 6, level, 1, 2, 3, 4, 5],
];

/** Opus packet `n` (one every 20 ms) and its header length. */
function opusPacket(n: number): [Buffer, number] {
  const extensions = OPUS_EXTENSIONS[n % OPUS_EXTENSIONS.length]!(0x80 | (n % 40), n & 0xff);
  const headerLength = 12 + extensions.length;
  const packet = Buffer.alloc(headerLength + 40, n & 0xff);
  packet[0] = extensions.length > 0 ? 0x90 : 0x80;
  packet[1] = 111;
  packet.writeUInt16BE((7000 + n) & 0xffff, 2);
  packet.writeUInt32BE((n * 960) >>> 0, 4);
  packet.writeUInt32BE(0x5eed0001, 8);
  packet.set(extensions, 12);
  return [packet, headerLength];
}

interface Subscriber {
  bandwidth: SubscriberBandwidth;
  /** Every packet handed to the seal, as hex. */
  sealed: string[];
}

function run(fanout: NativeRtpFanout | null, sendStates: NativeSendStates | null): { subscribers: Subscriber[]; taken: number; forwarded: number } {
  const ctx = testSfuContext({ fanout, sendStates, slots: new PacketSlots(256), ssrcs: new CountingSsrcs() });
  const producer = chromiumSimulcastProducer(ctx);
  const microphone = chromiumMicrophoneProducer(ctx);
  let taken = 0;
  const subscribers = Array.from({ length: SUBSCRIBERS }, (_, i): Subscriber => {
    const group = GROUPS[i % GROUPS.length]!;
    const sealed: string[] = [];
    const protectAndSend = (slot: Buffer, length: number): number => {
      sealed.push(slot.subarray(0, length).toString('hex'));
      return length + SEAL_OVERHEAD;
    };
    let camera: SfuConsumer | null = null;
    const bandwidth = new SubscriberBandwidth(
      { protectAndSend, writePadding: (slot, padding) => camera!.writePadding(slot, padding), bandwidthChanged() {} },
      ctx.slots,
      ctx.counters,
      silentLogger,
      `subscriber ${i}`,
      sendStates,
    );
    bandwidth.negotiated(group.transportCcId);
    bandwidth.sealOverhead = SEAL_OVERHEAD;
    bandwidth.pacer.setRate(group.rate);
    const owner = {
      ...testConsumerOwner((slot, length, paced, nowMs) => bandwidth.send(slot, length, paced, nowMs)),
      sendStateId: bandwidth.sendStateId,
      protectAndSend(slot: Buffer, length: number): number {
        taken++;
        return protectAndSend(slot, length);
      },
    };
    const consume = (from: SfuProducer, mid: string, payloadTypes: number[], audioLevelId: number): SfuConsumer => {
      const consumer = new SfuConsumer(from, mid, owner, ctx, {});
      (consumer as unknown as { rtxSeq: number }).rtxSeq = 100 * i;
      from.addConsumer(consumer);
      consumer.prepareOffer();
      consumer.negotiate({ mid, receiving: true, payloadTypes: new Set(payloadTypes), audioLevelId, transportCcId: group.dropsElement ? 0 : group.transportCcId });
      return consumer;
    };
    camera = consume(producer, '0', [96, 97], 0);
    camera.allocation.target = i % 3;
    camera.applyAllocation(0);
    consume(microphone, '1', [111], 4);
    return { bandwidth, sealed };
  });
  const probed = new Set<number>();
  const mic = microphone.layerByRid(undefined)!;
  let audio = 0;
  for (const [t, rid, , headerLength, hex] of CHROMIUM_SIMULCAST_RTP) {
    while (audio * 20 <= t) {
      const [packet, headerLength] = opusPacket(audio++);
      if (mic.ssrc < 0) microphone.learnSsrc(mic, rtpSsrc(packet), false);
      microphone.receive(mic, packet, packet.length, headerLength, t);
    }
    subscribers.forEach((s, i) => {
      const probeAtMs = GROUPS[i % GROUPS.length]!.probeAtMs;
      if (probeAtMs !== undefined && t >= probeAtMs && !probed.has(i)) {
        probed.add(i);
        assert.ok(s.bandwidth.pacer.probe(300_000, 4, t), 'the probe starts');
      }
      // The pacer's 5 ms step, on the recording's clock.
      s.bandwidth.pacer.release(t);
    });
    const buf = Buffer.from(hex, 'hex');
    const layer = producer.layerByRid(rid)!;
    if (layer.ssrc < 0) producer.learnSsrc(layer, rtpSsrc(buf), false);
    producer.receive(layer, buf, buf.length, headerLength, t);
  }
  for (const s of subscribers) s.bandwidth.close();
  return { subscribers, taken, forwarded: ctx.counters.rtpPacketsForwarded };
}

function loadNative(): { fanout: NativeRtpFanout; sendStates: NativeSendStates } | string {
  const before = process.env[NATIVE_FANOUT_ENV];
  process.env[NATIVE_FANOUT_ENV] = '1';
  try {
    return { fanout: nativeRtpFanout()!, sendStates: nativeSendStates()! };
  } catch (err) {
    return (err as Error).message;
  } finally {
    if (before === undefined) delete process.env[NATIVE_FANOUT_ENV];
    else process.env[NATIVE_FANOUT_ENV] = before;
  }
}

const stateOf = (s: Subscriber) => Buffer.from((s.bandwidth as unknown as { state: Float64Array }).state.buffer);

test('the native send tail paces, numbers and records what the TypeScript path does, bit for bit', (t) => {
  const native = loadNative();
  if (typeof native === 'string') {
    t.skip(native);
    return;
  }
  const ts = run(null, null);
  const nat = run(native.fanout, native.sendStates);
  assert.equal(ts.taken, 0);
  for (let i = 0; i < SUBSCRIBERS; i++) {
    const expected = ts.subscribers[i]!.sealed;
    const actual = nat.subscribers[i]!.sealed;
    assert.ok(expected.length > 50, `subscriber ${i} sent ${expected.length} packets`);
    for (let k = 0; k < expected.length; k++) assert.equal(actual[k], expected[k], `subscriber ${i}, packet ${k}`);
    assert.equal(actual.length, expected.length, `subscriber ${i}: as many packets`);
    assert.ok(stateOf(nat.subscribers[i]!).equals(stateOf(ts.subscribers[i]!)), `subscriber ${i}: the same send state`);
  }
  assert.equal(nat.forwarded, ts.forwarded);
  const queued = ts.subscribers.reduce((n, s) => n + s.bandwidth.pacer.queuedTotal, 0);
  assert.ok(queued > 500, `video waited in the pacers (${queued} packets)`);
  // Queued video, probes, switches and the first packet of each segment went through the TypeScript path.
  assert.ok(nat.taken > 0.5 * nat.forwarded && nat.taken < nat.forwarded, `the native tail took ${nat.taken} of ${nat.forwarded} copies`);
});

test('a send state unregistered sends its rows back to the TypeScript path', (t) => {
  const native = loadNative();
  if (typeof native === 'string') {
    t.skip(native);
    return;
  }
  const state = new Float64Array(10 + 2 + 2 * 16);
  const id = native.sendStates.register(state, 16);
  assert.ok(id >= 0);
  assert.equal(native.sendStates.register(new Float64Array(20), 16), -1, 'too small for its history');
  assert.equal(native.sendStates.register(state, 24), -1, 'a history that is not a power of two');
  native.sendStates.unregister(id);
  native.sendStates.unregister(id);
  const again = native.sendStates.register(state, 16);
  assert.notEqual(again, id, 'a reused slot has a new id');
  native.sendStates.unregister(again);
});

/**
 * The native fan-out's send tail (packages/srtp/native/send_state.c) against the TypeScript path,
 * on the recorded Chromium simulcast stream and an Opus stream beside it (audio is not paced, and
 * never waits behind video): subscribers whose pacer has no rate, one that lets key frames through
 * in bursts, one that queues them, and one sending a probe cluster meanwhile, with and without
 * transport-wide-cc, and with its element to overwrite or to add (into a block of either form, or
 * as a new block). The same bytes must reach the seal with the same ROC (the Opus stream's
 * numbers wrap), and every transport's send state (the pacer's gate, the offered bytes, the
 * transport-wide numbers and the send history) must end bit for bit the same, with the native core
 * pacing and numbering most copies. With a send batch, the native core also queues the copies of
 * the subscribers on it for the seal, from their SRTP streams' state in the rows, until it is full.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createSrtpSession, nativeRtpFanout, nativeSendStates, NATIVE_FANOUT_ENV, type NativeRtpFanout, type NativeSendStates } from '@confab/srtp';
import { rtpSsrc } from '@confab/wire';
import type { SfuProducer } from '../SfuProducer';
import { silentLogger } from '../../logger';
import { PacketSlots } from '../PacketSlots';
import { SfuConsumer } from '../SfuConsumer';
import { SsrcAllocator } from '../SsrcAllocator';
import { sendStateSize } from '../sendState';
import { SubscriberBandwidth } from '../SubscriberBandwidth';
import type { NativeSendQueue } from '../net/UdpSendBatch';
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
  // Not on the batched socket (ICE-TCP, say): its copies are never queued natively.
  { transportCcId: 3, rate: Infinity, unbatched: true },
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

const OPUS_FIRST_SEQ = 65_480;

/** Opus packet `n` (one every 20 ms) and its header length. */
function opusPacket(n: number): [Buffer, number] {
  const extensions = OPUS_EXTENSIONS[n % OPUS_EXTENSIONS.length]!(0x80 | (n % 40), n & 0xff);
  const headerLength = 12 + extensions.length;
  const packet = Buffer.alloc(headerLength + 40, n & 0xff);
  packet[0] = extensions.length > 0 ? 0x90 : 0x80;
  packet[1] = 111;
  // The numbers wrap after ~1 s: the SRTP streams' ROC moves on.
  packet.writeUInt16BE((OPUS_FIRST_SEQ + n) & 0xffff, 2);
  packet.writeUInt32BE((n * 960) >>> 0, 4);
  packet.writeUInt32BE(0x5eed0001, 8);
  packet.set(extensions, 12);
  return [packet, headerLength];
}

interface Subscriber {
  bandwidth: SubscriberBandwidth;
  /** Every packet handed to the seal, as hex, with the ROC it is sealed with. */
  sealed: string[];
}

/** Ports of the subscribers' paths, by which the queued entries are told apart. */
const PORT_BASE = 40_000;
const key = (fill: number) => new Uint8Array(16).fill(fill);
const salt = (fill: number) => new Uint8Array(12).fill(fill);

/**
 * A send batch's table with room for `capacity` entries, emptied (into the subscribers' `sealed`)
 * each time the fan-out says it queued some, as a flush would.
 */
function capturingQueue(capacity: number, memory: () => Buffer, subscribers: () => Subscriber[]): NativeSendQueue & { entries: number } {
  const table = new Int32Array(capacity * 6);
  const state = Int32Array.of(0, capacity);
  const queue = {
    table,
    state,
    entries: 0,
    queued(n: number) {
      assert.equal(state[0], n, 'the fan-out says what it queued');
      for (let i = 0; i < n; i++) {
        const [offset, length, ip4, port, sealId, roc] = table.subarray(i * 6, i * 6 + 6);
        assert.equal(ip4, 0x7f000001);
        assert.equal(sealId, port! - PORT_BASE + 100, 'the seal of the subscriber whose port it is');
        assert.ok(!GROUPS[(port! - PORT_BASE) % GROUPS.length]!.unbatched, 'a subscriber off the batch is not queued for');
        subscribers()[port! - PORT_BASE]!.sealed.push(`${memory().subarray(offset!, offset! + length!).toString('hex')}/${roc! >>> 0}`);
      }
      queue.entries += n;
      state[0] = 0;
    },
  };
  return queue;
}

function run(fanout: NativeRtpFanout | null, sendStates: NativeSendStates | null, queueCapacity = 0): { subscribers: Subscriber[]; taken: number; forwarded: number; queued: number } {
  let all: Subscriber[] = [];
  const slots = new PacketSlots(256);
  const queue = queueCapacity > 0 ? capturingQueue(queueCapacity, () => slots.memory, () => all) : null;
  const ctx = testSfuContext({ fanout, sendStates, slots, ssrcs: new CountingSsrcs(), sendQueue: queue });
  const producer = chromiumSimulcastProducer(ctx);
  const microphone = chromiumMicrophoneProducer(ctx);
  let taken = 0;
  const subscribers = Array.from({ length: SUBSCRIBERS }, (_, i): Subscriber => {
    const group = GROUPS[i % GROUPS.length]!;
    const sealed: string[] = [];
    // The TypeScript backend: only the streams' ROCs are needed, the seal is not done here.
    const srtp = createSrtpSession({ profile: 'AEAD_AES_128_GCM', backend: 'ts', localKey: key(i), localSalt: salt(i), remoteKey: key(1), remoteSalt: salt(1) });
    const protectAndSend = (slot: Buffer, length: number): number => {
      const roc = srtp.prepareRtp(slot, length);
      assert.ok(roc >= 0, `subscriber ${i}: a packet to seal`);
      sealed.push(`${slot.subarray(0, length).toString('hex')}/${roc}`);
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
    if (!group.unbatched) bandwidth.setSendTarget(100 + i, 0x7f000001, PORT_BASE + i);
    bandwidth.pacer.setRate(group.rate);
    const owner = {
      ...testConsumerOwner((slot, length, paced, nowMs) => bandwidth.send(slot, length, paced, nowMs)),
      sendStateId: bandwidth.sendStateId,
      protectAndSend(slot: Buffer, length: number): number {
        taken++;
        return protectAndSend(slot, length);
      },
      sendStream: (ssrc: number) => srtp.sendStream(ssrc),
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
  all = subscribers;
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
  return { subscribers, taken, forwarded: ctx.counters.rtpPacketsForwarded, queued: queue?.entries ?? 0 };
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

/** The TypeScript path's run, to compare every native one with. */
let reference: ReturnType<typeof run> | null = null;
const typeScriptRun = () => (reference ??= run(null, null));

/** Each subscriber sealed the same packets with the same ROCs, and ended with the same send state. */
function assertSameAsTypeScript(nat: ReturnType<typeof run>): void {
  const ts = typeScriptRun();
  assert.equal(ts.taken, 0);
  for (let i = 0; i < SUBSCRIBERS; i++) {
    const expected = ts.subscribers[i]!.sealed;
    const actual = nat.subscribers[i]!.sealed;
    assert.ok(expected.length > 50, `subscriber ${i} sent ${expected.length} packets`);
    for (let k = 0; k < expected.length; k++) assert.equal(actual[k], expected[k], `subscriber ${i}, packet ${k}`);
    assert.equal(actual.length, expected.length, `subscriber ${i}: as many packets`);
    assert.ok(stateOf(nat.subscribers[i]!).equals(stateOf(ts.subscribers[i]!)), `subscriber ${i}: the same send state`);
  }
  assert.ok(
    ts.subscribers.every((s) => s.sealed.some((p) => p.endsWith('/1'))),
    'every subscriber sealed packets after its Opus stream wrapped (ROC 1)',
  );
  assert.equal(nat.forwarded, ts.forwarded);
}

test('the native send tail paces, numbers and records what the TypeScript path does, bit for bit', (t) => {
  const native = loadNative();
  if (typeof native === 'string') {
    t.skip(native);
    return;
  }
  const nat = run(native.fanout, native.sendStates);
  assertSameAsTypeScript(nat);
  const queued = typeScriptRun().subscribers.reduce((n, s) => n + s.bandwidth.pacer.queuedTotal, 0);
  assert.ok(queued > 500, `video waited in the pacers (${queued} packets)`);
  // Queued video, probes, switches and the first packet of each segment went through the TypeScript path.
  assert.ok(nat.taken > 0.5 * nat.forwarded && nat.taken < nat.forwarded, `the native tail took ${nat.taken} of ${nat.forwarded} copies`);
  assert.equal(nat.queued, 0, 'without a send batch nothing is queued');
});

test('with a send batch the native tail queues copies for the seal with their ROC, and leaves the rest to the TypeScript path', (t) => {
  const native = loadNative();
  if (typeof native === 'string') {
    t.skip(native);
    return;
  }
  // Room for 16: of each packet's fan-out to 40 subscribers, the rest are protected and sent from TypeScript.
  const nat = run(native.fanout, native.sendStates, 16);
  assertSameAsTypeScript(nat);
  assert.ok(nat.queued > 0.3 * nat.forwarded, `queued ${nat.queued} of ${nat.forwarded} copies`);
  assert.ok(nat.taken > 0.1 * nat.forwarded, `the full batch and the subscriber off it left ${nat.taken} copies to protectAndSend`);
  assert.ok(nat.queued + nat.taken < nat.forwarded, 'queued video, probes and switches went through the TypeScript path');
});

test('a send state unregistered sends its rows back to the TypeScript path', (t) => {
  const native = loadNative();
  if (typeof native === 'string') {
    t.skip(native);
    return;
  }
  const state = new Float64Array(sendStateSize(16));
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

/**
 * Micro-benchmark of the SFU's fan-out in user space: one publisher's packet (a 1,100-byte VP8
 * payload) through the real SfuProducer to N SfuConsumers in the steady state, the send a no-op.
 * What it measures per forwarded copy is everything the media thread does for one subscriber
 * before the pacer, SRTP and the socket: the TypeScript path (each consumer's forward(): copy,
 * RtpStreamRewriter, VP8 picture ids, extension ids) against the native fan-out (one call per
 * packet, CONFAB_NATIVE_FANOUT=1). The rounds alternate the two; medians of ns per copy.
 * --seal: each consumer's send protects the copy with an SRTP session of its own (native
 * AES-128-GCM, as a subscriber's transport does before the socket), to show that share.
 * --chain: each consumer's send is its subscriber transport's, all but the socket: the real
 * SubscriberBandwidth (pacer, transport-wide number and send history), and the send batch
 * (UdpSendBatch) with the seal it does before the send; the send itself is left out (the entries
 * name port 0, which the native send drops after sealing, without a system call).
 * --evict KB: between two packets, writes KB of other memory, as the kernel's loopback delivery of
 * the previous fan-out and the other subscribers' feedback do in the server (~2 kB of kernel memory
 * per datagram): each subscriber's state is then as cold as it is there. Only the packets' own
 * time is counted (a clock read before and after each).
 *
 *   node --import tsx bench/src/fanout.ts [--subscribers 32] [--packets 50000] [--rounds 7] [--seal | --chain] [--evict 0] [--json]
 */
import { parseArgs } from 'node:util';
import { integerOption } from './integerOption';
import { createSocket } from 'node:dgram';
import { createSrtpSession, nativeRtpFanout, nativeSendStates, nativeUdpBatchSend, NATIVE_FANOUT_ENV, udpSocketFd, type NativeSendStates } from '@confab/srtp';
// The bench package does not depend on the server; the rig is the server's own test support.
import { steadyFanoutRig, type SteadyFanoutRig } from '../../packages/server/src/media/sfu/testing/steadyFanoutRig';
import { testConsumerOwner } from '../../packages/server/src/media/sfu/testing/sfuTestParts';
import type { ConsumerOwner } from '../../packages/server/src/media/sfu/SfuConsumer';
import { silentLogger } from '../../packages/server/src/media/logger';
import { MediaCounters } from '../../packages/server/src/media/MediaCounters';
import { UdpSendBatch } from '../../packages/server/src/media/sfu/net/UdpSendBatch';
import { PacketSlots } from '../../packages/server/src/media/sfu/PacketSlots';
import { SubscriberBandwidth } from '../../packages/server/src/media/sfu/SubscriberBandwidth';

const { values } = parseArgs({
  options: {
    subscribers: { type: 'string', default: '32' },
    packets: { type: 'string', default: '50000' },
    rounds: { type: 'string', default: '7' },
    seal: { type: 'boolean', default: false },
    chain: { type: 'boolean', default: false },
    evict: { type: 'string', default: '0' },
    json: { type: 'boolean', default: false },
  },
});
const subscribers = integerOption(values, 'subscribers', 1, 1024);
const packets = integerOption(values, 'packets', 1000, 1e7);
const rounds = integerOption(values, 'rounds', 1, 100);
const evictKb = integerOption(values, 'evict', 0, 64 * 1024);
const other = new Uint8Array(evictKb * 1024);

process.env[NATIVE_FANOUT_ENV] = '1';
/** --chain's send batch: a socket the batch is never sent through (its entries name port 0). */
const sealOnlySocket = createSocket('udp4');
await new Promise<void>((resolve) => sealOnlySocket.bind(0, '127.0.0.1', resolve));
sealOnlySocket.unref();
const sealOnlyFd = udpSocketFd(sealOnlySocket)!;
const native = nativeRtpFanout()!;
/**
 * A send per consumer: nothing, SRTP protection with a session of its own, or that behind the
 * transport's bandwidth side (with the native fan-out's send state when `sendStates`) and a send batch.
 */
function owners(slots: PacketSlots, sendStates: NativeSendStates | null): (consumer: number) => ConsumerOwner {
  if (!values.seal && !values.chain) return () => testConsumerOwner(() => true);
  const key = Buffer.alloc(16, 7);
  const salt = Buffer.alloc(12, 9);
  let batch: UdpSendBatch | null = null;
  return (consumer) => {
    const session = createSrtpSession({ profile: 'AEAD_AES_128_GCM', backend: 'native', localKey: key, localSalt: salt, remoteKey: key, remoteSalt: salt });
    if (!values.chain) return testConsumerOwner((slot, length) => session.protectRtp(slot, length) > 0);
    // SfuSubscribeTransport.protectAndSend on a batched UDP path.
    const protectAndSend = (slot: Buffer, length: number): number => {
      const roc = session.prepareRtp(slot, length);
      // The batch of the rig's slots, as UdpMux's is of the engine's; its entries are sealed, not sent.
      batch ??= new UdpSendBatch(nativeUdpBatchSend()!, sealOnlyFd, slots);
      if (!batch.addToSeal(slot, length, 0x7f000001, 0, session.rtpSealId, roc)) throw new Error('a copy outside the rig\'s slots');
      return length + session.rtpOverhead;
    };
    const bandwidth = new SubscriberBandwidth(
      { protectAndSend, writePadding: () => 0, bandwidthChanged() {} },
      slots,
      new MediaCounters(),
      silentLogger,
      `subscriber ${consumer}`,
      sendStates,
    );
    bandwidth.negotiated(5);
    bandwidth.sealOverhead = session.rtpOverhead;
    return {
      ...testConsumerOwner((slot, length, paced, nowMs) => bandwidth.send(slot, length, paced, nowMs)),
      sendStateId: bandwidth.sendStateId,
      protectAndSend,
    };
  };
}
/** A rig whose copies are in the slots its send batch collects from, as the engine's are. */
function rig(fanout: typeof native | null): SteadyFanoutRig {
  const slots = new PacketSlots();
  return steadyFanoutRig(subscribers, fanout, owners(slots, fanout !== null ? nativeSendStates() : null), 1100, slots);
}
const rigs: Record<'ts' | 'native', SteadyFanoutRig> = { ts: rig(null), native: rig(native) };
const next = { ts: 1, native: 1 };

/** ns of thread CPU per forwarded copy over `packets` packets. */
function measure(engine: 'ts' | 'native'): number {
  const rig = rigs[engine];
  const before = rig.counters.rtpPacketsForwarded;
  let ns: number;
  if (evictKb === 0) {
    const start = process.cpuUsage();
    for (let i = 0; i < packets; i++) rig.receive(next[engine]++);
    const used = process.cpuUsage(start);
    ns = (used.user + used.system) * 1000;
  } else {
    let ms = 0;
    for (let i = 0; i < packets; i++) {
      for (let at = i & 63; at < other.length; at += 64) other[at]!++;
      const start = performance.now();
      rig.receive(next[engine]++);
      ms += performance.now() - start;
    }
    ns = ms * 1e6;
  }
  const copies = rig.counters.rtpPacketsForwarded - before;
  if (copies !== packets * subscribers) throw new Error(`${engine}: ${copies} copies, expected ${packets * subscribers}`);
  return ns / copies;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
measure('ts');
measure('native'); // warm-up
const results: Record<'ts' | 'native', number[]> = { ts: [], native: [] };
for (let r = 0; r < rounds; r++) {
  for (const engine of r % 2 === 0 ? (['ts', 'native'] as const) : (['native', 'ts'] as const)) results[engine].push(measure(engine));
}
const ts = median(results.ts);
const nat = median(results.native);
if (values.json) {
  console.log(JSON.stringify({ subscribers, packets, rounds, seal: values.seal, chain: values.chain, evictKb, ns_per_copy: { ts, native: nat }, rounds_ns: results }, null, 2));
} else {
  const sending = values.chain ? "the transport's send (pacer, transport-wide number, seal, batch) included, socket excluded" : values.seal ? 'SRTP seal included, socket excluded' : 'send excluded';
  const cold = evictKb > 0 ? `, ${evictKb} kB of other memory written between packets` : '';
  console.log(`${subscribers} consumers, ${packets} packets a round, ${rounds} rounds (medians, ns of CPU per forwarded copy, ${sending}${cold})`);
  console.log(`TypeScript path  ${ts.toFixed(0)}`);
  console.log(`native fan-out   ${nat.toFixed(0)}   (${(ts / nat).toFixed(1)}x)`);
}

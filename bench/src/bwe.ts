/**
 * What the send-side bandwidth estimator costs the media thread, on transport-cc sequences
 * recorded from a real Chromium subscriber (packages/wire/src/bwe/fixtures/chromium-*.json):
 *
 *   per report  TwccFeedback.read + SendSideEstimator.onFeedback (join with the send history,
 *               trendline, overuse detector, AIMD, loss-based, acked rate, probe results)
 *   per packet  SendHistory.add + stampTransportCcSeq (what every packet to a subscriber pays)
 *   pacer       a video stream (30 fps of 6-packet frames, a 60-packet key frame a second) paced
 *               at 3 Mbps, so each key frame's tail is queued and spread over ~180 ms:
 *               - per packet, on a simulated clock: send + the 5 ms steps that let it out (copy in,
 *                 copy out to a send slot, bookkeeping), and the bytes allocated per packet once
 *                 the buffer pool is warm;
 *               - in real time, 16 subscribers for --pacer-seconds: CPU per packet against the
 *                 same stream unpaced, the one 5 ms timer of the thread included
 *
 * Each round replays every sequence `--repeat` times into fresh estimators; the per-report cost
 * is the full replay minus a replay of the sends alone. Prints ns (median of rounds).
 *   node --import tsx bench/src/bwe.ts [--rounds 7 --repeat 30 --json]
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { SendSideEstimator, stampTransportCcSeq, TwccFeedback } from '@confab/wire';
import { MediaCounters } from '../../packages/server/src/media/MediaCounters';
import { Pacer } from '../../packages/server/src/media/sfu/Pacer';
import { PacketSlots } from '../../packages/server/src/media/sfu/PacketSlots';
import { loadSequence, type RecordedSequence } from '../../packages/wire/src/bwe/fixtures/replay';

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '7' },
    repeat: { type: 'string', default: '30' },
    'pacer-seconds': { type: 'string', default: '4' },
    json: { type: 'boolean', default: false },
  },
});
const pacerSeconds = Number(values['pacer-seconds']);
if (!(pacerSeconds >= 1 && pacerSeconds <= 60)) throw new Error('--pacer-seconds: 1 to 60');
const rounds = Number(values.rounds);
const repeat = Number(values.repeat);
if (!(Number.isInteger(rounds) && rounds >= 1 && rounds <= 100)) throw new Error('--rounds: 1 to 100');
if (!(Number.isInteger(repeat) && repeat >= 1 && repeat <= 10_000)) throw new Error('--repeat: 1 to 10000');

const sequences: RecordedSequence[] = ['chromium-cap', 'chromium-loss'].map(loadSequence);
const reports = sequences.map((s) => s.reports.map(([at, before, hex]) => ({ at, before, packet: Buffer.from(hex, 'hex') })));
const reportCount = reports.reduce((n, r) => n + r.length, 0);
const packetCount = sequences.reduce((n, s) => n + s.sends.length, 0);
let reportedPackets = 0;
const feedback = new TwccFeedback(8192);
for (const list of reports) for (const r of list) if (feedback.read(r.packet, 0, r.packet.length)) reportedPackets += feedback.statusCount;

// A Chromium-like VP8 packet with a transport-wide-cc element to overwrite, in a slot with room.
const slot = Buffer.alloc(1536);
Buffer.from('90606078e420661aca6f9087bede0003' + '227116d2' + '31000240' + '31000000', 'hex').copy(slot);
const rtpLength = 32 + 1100;

let sink = 0;
function replay(withReports: boolean): void {
  for (let i = 0; i < sequences.length; i++) {
    const sends = sequences[i]!.sends;
    const list = reports[i]!;
    const estimator = new SendSideEstimator();
    const history = estimator.history;
    let sent = 0;
    for (const report of list) {
      for (; sent < report.before; sent++) {
        const send = sends[sent]!;
        sink += stampTransportCcSeq(slot, rtpLength, 3, history.nextSeq);
        history.add(send[0]!, send[1]!, send[2]!);
      }
      if (withReports && feedback.read(report.packet, 0, report.packet.length)) sink += estimator.onFeedback(feedback, report.at);
    }
  }
}

function time(withReports: boolean): number {
  const start = process.hrtime.bigint();
  for (let r = 0; r < repeat; r++) replay(withReports);
  return Number(process.hrtime.bigint() - start);
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
time(true); // warm-up
const perReport: number[] = [];
const perPacket: number[] = [];
for (let r = 0; r < rounds; r++) {
  const sendsOnly = time(false);
  const full = time(true);
  perPacket.push(sendsOnly / (repeat * packetCount));
  perReport.push((full - sendsOnly) / (repeat * reportCount));
}
const PACED_SUBSCRIBERS = 16;
const FRAME_MS = 1000 / 30;

/** CPU µs per packet of PACED_SUBSCRIBERS pacers carrying the same stream for `seconds` (rate Infinity: unpaced). */
async function pacerCost(rateBps: number, seconds: number): Promise<{ usPerPacket: number; queued: number; dropped: number }> {
  const slots = new PacketSlots();
  let sent = 0;
  const out = { sendNow: (_slot: Buffer, length: number) => ((sent += 1), length), writePadding: () => 0 };
  const counters = new MediaCounters();
  const pacers = Array.from({ length: PACED_SUBSCRIBERS }, () => new Pacer(out, slots, counters));
  for (const p of pacers) p.setRate(rateBps);
  let frames = 0;
  let offered = 0;
  const start = performance.now();
  const cpu = process.cpuUsage();
  const feed = setInterval(() => {
    for (const due = Math.floor((performance.now() - start) / FRAME_MS); frames < due; frames++) {
      const packets = frames % 30 === 0 ? 60 : 6;
      for (let i = 0; i < packets; i++) {
        for (const pacer of pacers) {
          pacer.send(slots.take(), 1100, performance.now());
          offered++;
        }
      }
    }
  }, FRAME_MS / 2);
  await sleep(seconds * 1000);
  clearInterval(feed);
  await sleep(300); // the last key frame drains
  const used = process.cpuUsage(cpu);
  for (const p of pacers) p.close();
  if (sent < offered - counters.pacerDroppedPackets) throw new Error(`pacer lost packets: ${offered} offered, ${sent} sent`);
  return { usPerPacket: (used.user + used.system) / offered, queued: counters.pacerQueuedPackets, dropped: counters.pacerDroppedPackets };
}

/** ns per packet through one pacer on a simulated clock (no timers), and bytes allocated per packet. */
function pacerPerPacket(frames: number): { ns: number; bytesPerPacket: number; queued: number } {
  const slots = new PacketSlots();
  const out = { sendNow: (_slot: Buffer, length: number) => length, writePadding: () => 0 };
  const counters = new MediaCounters();
  const pacer = new Pacer(out, slots, counters);
  pacer.setRate(3_000_000);
  let packets = 0;
  let t = 0;
  const run = (n: number) => {
    for (let f = 0; f < n; f++) {
      const count = f % 30 === 0 ? 60 : 6;
      for (let i = 0; i < count; i++) pacer.send(slots.take(), 1100, t);
      packets += count;
      for (let step = 5; step <= 30; step += 5) pacer.release(t + step);
      t += FRAME_MS;
    }
  };
  run(60); // warm: the pool holds a key frame's worth
  packets = 0;
  const memory = process.memoryUsage().arrayBuffers;
  const start = process.hrtime.bigint();
  run(frames);
  const ns = Number(process.hrtime.bigint() - start) / packets;
  const bytesPerPacket = (process.memoryUsage().arrayBuffers - memory) / packets;
  pacer.close();
  return { ns, bytesPerPacket, queued: counters.pacerQueuedPackets };
}

const pacerPacket = pacerPerPacket(30 * 60);
const unpaced = await pacerCost(Infinity, pacerSeconds);
const paced = await pacerCost(3_000_000, pacerSeconds);

const result = {
  reports: reportCount,
  packetsPerReport: Math.round((reportedPackets / reportCount) * 10) / 10,
  nsPerReport: Math.round(median(perReport)),
  nsPerPacketStampAndHistory: Math.round(median(perPacket)),
  sink: sink > 0,
  pacer: {
    nsPerPacket: Math.round(pacerPacket.ns),
    bytesAllocatedPerPacket: Math.round(pacerPacket.bytesPerPacket * 10) / 10,
    nsPerPacketPaced: Math.round(paced.usPerPacket * 1000),
    nsPerPacketUnpaced: Math.round(unpaced.usPerPacket * 1000),
    queued: paced.queued,
    dropped: paced.dropped,
  },
};
if (values.json) console.log(JSON.stringify(result));
else {
  console.log(`estimator: ${result.nsPerReport} ns per transport-cc report (${result.packetsPerReport} packets per report, ${reportCount} recorded reports x ${repeat}, median of ${rounds} rounds)`);
  console.log(`egress: ${result.nsPerPacketStampAndHistory} ns per packet for stamping the transport-wide number + the send history`);
  console.log(`pacer: ${result.pacer.nsPerPacket} ns per video packet on a simulated clock (send, queue, steps; ${result.pacer.bytesAllocatedPerPacket} bytes of buffers allocated per packet once warm)`);
  console.log(
    `pacer in real time: ${result.pacer.nsPerPacketPaced} ns of CPU per video packet paced (${paced.queued} of them queued and spread, ${paced.dropped} dropped), ` +
      `${result.pacer.nsPerPacketUnpaced} ns unpaced (${PACED_SUBSCRIBERS} subscribers, ${pacerSeconds} s each, timer wakeups included)`,
  );
}

/**
 * What the send-side bandwidth estimator costs the media thread, on transport-cc sequences
 * recorded from a real Chromium subscriber (packages/wire/src/bwe/fixtures/chromium-*.json):
 *
 *   per report  TwccFeedback.read + SendSideEstimator.onFeedback (join with the send history,
 *               trendline, overuse detector, AIMD, loss-based, acked rate, probe results)
 *   per packet  SendHistory.add + stampTransportCcSeq (what every packet to a subscriber pays)
 *
 * Each round replays every sequence `--repeat` times into fresh estimators; the per-report cost
 * is the full replay minus a replay of the sends alone. Prints ns (median of rounds).
 *   node --import tsx bench/src/bwe.ts [--rounds 7 --repeat 30 --json]
 */
import { parseArgs } from 'node:util';
import { SendSideEstimator, stampTransportCcSeq, TwccFeedback } from '@confab/wire';
import { loadSequence, type RecordedSequence } from '../../packages/wire/src/bwe/fixtures/replay';

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '7' },
    repeat: { type: 'string', default: '30' },
    json: { type: 'boolean', default: false },
  },
});
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
const result = {
  reports: reportCount,
  packetsPerReport: Math.round((reportedPackets / reportCount) * 10) / 10,
  nsPerReport: Math.round(median(perReport)),
  nsPerPacketStampAndHistory: Math.round(median(perPacket)),
  sink: sink > 0,
};
if (values.json) console.log(JSON.stringify(result));
else {
  console.log(`estimator: ${result.nsPerReport} ns per transport-cc report (${result.packetsPerReport} packets per report, ${reportCount} recorded reports x ${repeat}, median of ${rounds} rounds)`);
  console.log(`egress: ${result.nsPerPacketStampAndHistory} ns per packet for stamping the transport-wide number + the send history`);
}

/**
 * CPU per recorded track: a 500 kbit/s VP8 camera track (640x360, 30 fps, ffmpeg's testsrc2,
 * packetized as browsers do: ~1,100-byte packets) written live by TrackRecorder (jitter buffer,
 * depacketizer, Matroska writer, asynchronous file writes), as the media worker runs it.
 *
 *   real time   N tracks fed at their real pace for `--seconds` (packets every 10 ms, the
 *               recorders ticked every 50 ms like the engine's ticker), against the same feeding
 *               loop with no recorder: the difference in process CPU (user + system, so the
 *               file writes' syscalls and libuv's threads count) / wall time / N is one track's
 *               share of a core. Rounds alternate the two.
 *   throughput  one track's packets pushed through as fast as they go: µs per packet (the
 *               packet path alone, no timers) and what that is at the track's packet rate.
 *
 * Writes go to a temporary folder (the page cache: disk speed is not measured). Run on a quiet
 * machine:   node --import tsx bench/src/record.ts [--tracks 16] [--seconds 20] [--rounds 3] [--json]
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { integerOption } from './integerOption';
import { SenderClock } from '../../packages/server/src/media/recording/TrackClock';
import { TrackRecorder } from '../../packages/server/src/media/recording/TrackRecorder';
import { vp8Frames } from '../../packages/server/src/media/recording/testing/encodedMedia';
import { packetizeVp8, type Packetized } from '../../packages/server/src/media/recording/testing/rtpPacketize';

const { values } = parseArgs({
  options: {
    tracks: { type: 'string', default: '16' },
    seconds: { type: 'string', default: '20' },
    rounds: { type: 'string', default: '3' },
    json: { type: 'boolean', default: false },
  },
});
const TRACKS = integerOption(values, 'tracks', 1, 256);
const SECONDS = integerOption(values, 'seconds', 1, 600);
const ROUNDS = integerOption(values, 'rounds', 1, 20);
const FRAME_MS = 1000 / 30;

const frames = vp8Frames(SECONDS, 90);
const packets = packetizeVp8(frames, { ssrc: 0x5151, payloadType: 96, seqBase: 0, timestampBase: 0 });
const bits = packets.reduce((n, p) => n + (p.packet.length - 12) * 8, 0);
const dir = await mkdtemp(join(tmpdir(), 'confab-bench-record-'));

function newRecorder(name: string): Promise<TrackRecorder> {
  return TrackRecorder.create({ pathWithoutExtension: join(dir, name), codec: 'vp8', clockRate: 90000, sender: new SenderClock(), requestKeyFrame: () => {}, onError: (err) => console.error(err) });
}

/** Feeds `packets` in real time to `recorders` (none: the loop alone); returns CPU % of one core. */
async function realTime(recorders: readonly TrackRecorder[]): Promise<number> {
  const sink = { packets: 0 };
  const start = performance.now();
  const cpu = process.cpuUsage();
  let next = 0;
  let lastTick = 0;
  await new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      const elapsed = performance.now() - start;
      const nowMs = performance.timeOrigin + performance.now();
      for (; next < packets.length && packets[next]!.frame * FRAME_MS <= elapsed; next++) {
        const p = packets[next]!.packet;
        sink.packets++;
        for (const r of recorders) r.receive(p, p.length, nowMs);
      }
      if (elapsed - lastTick >= 50) {
        lastTick = elapsed;
        for (const r of recorders) r.tick(nowMs);
      }
      if (next >= packets.length) {
        clearInterval(timer);
        resolve();
      }
    }, 10);
  });
  const used = process.cpuUsage(cpu);
  const wall = performance.now() - start;
  return ((used.user + used.system) / 1000 / wall) * 100;
}

/** µs per packet with nothing but the packet path. */
async function throughput(list: readonly Packetized[]): Promise<number> {
  const recorder = await newRecorder('throughput');
  const t0 = performance.timeOrigin;
  const cpu = process.cpuUsage();
  for (let i = 0; i < list.length; i++) {
    const p = list[i]!.packet;
    recorder.receive(p, p.length, t0 + list[i]!.frame * FRAME_MS);
  }
  const used = process.cpuUsage(cpu);
  await recorder.stop();
  return (used.user + used.system) / list.length;
}

const rounds: Array<{ baselinePct: number; recordingPct: number; perTrackPct: number }> = [];
for (let round = 0; round < ROUNDS; round++) {
  const baselinePct = await realTime([]);
  const recorders = await Promise.all(Array.from({ length: TRACKS }, (_, i) => newRecorder(`r${round}-t${i}`)));
  const recordingPct = await realTime(recorders);
  await Promise.all(recorders.map((r) => r.stop()));
  rounds.push({ baselinePct, recordingPct, perTrackPct: (recordingPct - baselinePct) / TRACKS });
}
await throughput(packets); // warm-up
const usPerPacket = await throughput(packets);
await rm(dir, { recursive: true, force: true });

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const packetsPerSecond = packets.length / SECONDS;
const result = {
  tracks: TRACKS,
  seconds: SECONDS,
  streamKbps: Math.round(bits / SECONDS / 1000),
  packetsPerSecond: Math.round(packetsPerSecond),
  rounds,
  perTrackPctMedian: median(rounds.map((r) => r.perTrackPct)),
  usPerPacket,
  packetPathPctPerTrack: (usPerPacket * packetsPerSecond) / 1e4,
};
if (values.json) console.log(JSON.stringify(result));
else {
  console.log(`VP8 ${result.streamKbps} kbit/s, ${result.packetsPerSecond} packets/s; ${TRACKS} tracks for ${SECONDS} s, ${ROUNDS} rounds`);
  for (const r of rounds) console.log(`  feeding loop alone ${r.baselinePct.toFixed(2)}% of a core, with ${TRACKS} recorders ${r.recordingPct.toFixed(2)}%: ${r.perTrackPct.toFixed(3)}% per track`);
  console.log(`per track (median): ${result.perTrackPctMedian.toFixed(3)}% of a core`);
  console.log(`packet path alone: ${usPerPacket.toFixed(2)} µs/packet = ${result.packetPathPctPerTrack.toFixed(3)}% of a core per track`);
}

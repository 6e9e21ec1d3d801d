/**
 * A simulated publisher link for recorder tests: packets leave paced behind their frame's capture
 * time, arrive after a base delay plus jitter (so neighbours swap places), and a share of them is
 * lost; of the lost, some come back as retransmissions (what a NACK brings) and the rest never.
 * Seeded, so a failure replays exactly.
 */
// The wire package's seeded PRNG for its fuzz tests; test code sharing test code.
import { seededRandom } from '../../../../../wire/src/fixtures/fuzz';
import type { TrackRecorder } from '../TrackRecorder';
import type { Packetized } from './rtpPacketize';

export interface LinkOptions {
  /** Packets lost on the way (0.02: 2%). */
  loss: number;
  /** Of those, the share that a retransmission recovers, `retransmitDelayMs` later. */
  recovered: number;
  retransmitDelayMs: number;
  delayMs: number;
  jitterMs: number;
  seed: number;
  /** Frames before this index are never lost (the stream's first key frame). */
  protectFrames: number;
}

/** 2% lost, most of it resent in time (NACK with a 60 ms round trip), some never (the resend lost too, or late). */
export const LOSSY_LINK: LinkOptions = { loss: 0.02, recovered: 0.8, retransmitDelayMs: 60, delayMs: 20, jitterMs: 8, seed: 7, protectFrames: 1 };

export interface Arrival {
  packet: Buffer;
  /** ms from the stream's start. */
  atMs: number;
}

/** When each packet arrives; `captureMs(frame)` is the frame's capture time. Sorted by arrival. */
export function arrivals(packets: readonly Packetized[], captureMs: (frame: number) => number, link: LinkOptions): { arrivals: Arrival[]; lost: number } {
  const rnd = seededRandom(link.seed);
  const out: Arrival[] = [];
  let lost = 0;
  let previousFrame = -1;
  let k = 0;
  for (const { packet, frame } of packets) {
    k = frame === previousFrame ? k + 1 : 0;
    previousFrame = frame;
    const atMs = captureMs(frame) + k * 0.5 + link.delayMs + rnd() * link.jitterMs;
    if (frame >= link.protectFrames && rnd() < link.loss) {
      if (rnd() < link.recovered) out.push({ packet, atMs: atMs + link.retransmitDelayMs });
      else lost++;
      continue;
    }
    out.push({ packet, atMs });
  }
  out.sort((a, b) => a.atMs - b.atMs);
  return { arrivals: out, lost };
}

/**
 * Feeds `arrivals` (ms from `epochMs`) to the recorders in order, ticking them every 20 ms of
 * simulated time, and yielding now and then so their file writes proceed.
 */
export async function feed(recorders: ReadonlyArray<{ recorder: TrackRecorder; arrivals: readonly Arrival[] }>, epochMs: number, onTime?: (ms: number) => void): Promise<void> {
  const all = recorders.flatMap(({ recorder, arrivals: list }) => list.map((a) => ({ recorder, ...a }))).sort((a, b) => a.atMs - b.atMs);
  let nextTick = 0;
  let n = 0;
  for (const a of all) {
    while (nextTick <= a.atMs) {
      onTime?.(nextTick);
      for (const r of recorders) r.recorder.tick(epochMs + nextTick);
      nextTick += 20;
    }
    onTime?.(a.atMs);
    a.recorder.receive(a.packet, a.packet.length, epochMs + a.atMs);
    if (++n % 200 === 0) await new Promise((resolve) => setImmediate(resolve));
  }
  const end = nextTick + 500;
  for (; nextTick <= end; nextTick += 20) {
    onTime?.(nextTick);
    for (const r of recorders) r.recorder.tick(epochMs + nextTick);
  }
}

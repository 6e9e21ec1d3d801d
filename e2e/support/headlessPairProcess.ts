/**
 * The child side of support/headlessPair.ts: two headless participants that call each other, run
 * here so that what times their packets is a process that does nothing else. Answers the
 * parent's requests ({ id, op, ... }) with { id, ok, value | error }.
 */
import { HeadlessParticipant } from '@confab/loadtest';
import type { PairReading, PairRequest } from './headlessPair';

let people: HeadlessParticipant[] = [];

/** This process's event loop: where a 10 ms timer came over STALL_MS late since watchGaps(), [start, end] in epoch ms. */
const LAG_TICK_MS = 10;
const STALL_MS = 50;
const stalls: [number, number][] = [];
let expected = performance.now() + LAG_TICK_MS;
setInterval(() => {
  const now = performance.now();
  if (now - expected > STALL_MS && stalls.length < 256) stalls.push([performance.timeOrigin + expected, performance.timeOrigin + now]);
  expected = now + LAG_TICK_MS;
}, LAG_TICK_MS).unref();

const ops = {
  async call(request: Extract<PairRequest, { op: 'call' }>): Promise<void> {
    await Promise.all(people.map((p) => p.leave()));
    people = request.names.map((name) => new HeadlessParticipant({ url: request.url, room: request.room, name }));
    for (const p of people) {
      await p.join();
      // One stream, not simulcast: what is proven is that their node keeps forwarding, and a
      // lighter pair stays on time on two cores shared with three nodes and four pages.
      await p.publishCamera();
    }
  },
  async read(): Promise<PairReading> {
    const reading: PairReading = { videoPackets: {}, longestGapMs: {}, longGaps: {}, loopStalls: [...stalls], others: {}, stats: [], errors: {} };
    for (const viewer of people) {
      reading.others[viewer.name] = [...viewer.others.values()].map((o) => o.name);
      reading.errors[viewer.name] = [...viewer.errors];
      reading.stats.push(viewer.stats());
      for (const other of people) {
        if (other === viewer || other.id === undefined) continue;
        const counter = viewer.videoFrom(other.id);
        reading.videoPackets[`${viewer.name}<-${other.name}`] = counter?.packets ?? 0;
        reading.longestGapMs[`${viewer.name}<-${other.name}`] = counter?.longestGapMs ?? 0;
        reading.longGaps[`${viewer.name}<-${other.name}`] = (counter?.longGaps ?? []).map(([from, to]) => [performance.timeOrigin + from, performance.timeOrigin + to]);
      }
    }
    return reading;
  },
  async watchGaps(): Promise<void> {
    stalls.length = 0;
    for (const viewer of people) for (const other of people) if (other !== viewer && other.id !== undefined) viewer.videoFrom(other.id)?.watchGaps();
  },
};

process.on('message', (request: PairRequest) => {
  const op = ops[request.op] as (r: PairRequest) => Promise<unknown>;
  op(request).then(
    (value) => process.send!({ id: request.id, ok: true, value }),
    (error: unknown) => process.send!({ id: request.id, ok: false, error: error instanceof Error ? error.message : String(error) }),
  );
});
process.on('disconnect', () => {
  void Promise.all(people.map((p) => p.close())).finally(() => process.exit(0));
});

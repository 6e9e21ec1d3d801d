import { fixed, generatorCpu, type Window } from './measure';
import type { RampResult } from './ramp';
import type { PairedResult } from './paired';
import { median, type VariantResult } from './report';
import { ENGINE_VARIANTS, OURS } from './variants';

const JANUS_VARIANTS = ENGINE_VARIANTS.filter((v) => v.janus).map((v) => v.name);

/**
 * The top-level `summary` of `bench:sfu --json`: one key per goal of issue 14 that this run
 * measured, so results compare from run to run. "Ours" is the default engine (sfu-native); every
 * figure is a median over the rounds; null where the run did not measure it. `<janus>_ratio`:
 * Janus's CPU per forwarded packet / ours, so above 1 means we are that many times cheaper.
 */
export type Summary = Record<string, number | string | null>;

const at = (r: VariantResult, n: number): Window | undefined => r.ramp?.steps.find((s) => s.subscribers === n)?.window;

function medianOf(results: VariantResult[], engine: string, value: (r: VariantResult) => number | undefined): number | null {
  const m = median(results.filter((r) => r.engine === engine).flatMap((r) => [value(r)].filter((v): v is number => v !== undefined && Number.isFinite(v))));
  return m === undefined ? null : fixed(m, 2);
}

/**
 * CPU per extra forwarded packet between two sizes of the same room (N = `a` and `b`): the growth
 * of CPU per second over the growth of packets per second, which leaves out the fixed costs (the
 * publisher's streams, timers, signaling). `kernel`: the media thread's system time only.
 */
export function marginalUs(r: VariantResult, a: number, b: number, kernel = false): number | undefined {
  const [x, y] = [at(r, a), at(r, b)];
  if (!x || !y || y.packetsOutPerSecond <= x.packetsOutPerSecond) return undefined;
  const rate = (w: Window) => (kernel ? (w.workerSystemUsPerForwardedPacket * w.packetsOutPerSecond) / 1e6 : w.cpuPercent / 100);
  return ((rate(y) - rate(x)) * 1e6) / (y.packetsOutPerSecond - x.packetsOutPerSecond);
}

/** From the default run: the cost sizes, the ramp and part 3, ours against Janus round by round. */
export function runSummary(results: VariantResult[], costCounts: number[]): Summary {
  const n = Math.max(...costCounts);
  const below = costCounts.filter((c) => c < n).at(-1);
  const us = (r: VariantResult) => at(r, n)?.usPerForwardedPacket;
  const ramp = results.find((r) => r.engine === OURS && r.ramp)?.ramp;
  const summary: Summary = {
    [`cpu_per_forwarded_packet_us_n${n}`]: medianOf(results, OURS, us),
    [`media_thread_cpu_per_forwarded_packet_us_n${n}`]: medianOf(results, OURS, (r) => at(r, n)?.workerUsPerForwardedPacket),
    marginal_cpu_per_packet_us: below === undefined ? null : medianOf(results, OURS, (r) => marginalUs(r, below, n)),
    marginal_kernel_cpu_per_packet_us: below === undefined ? null : medianOf(results, OURS, (r) => marginalUs(r, below, n, true)),
    subscribers_per_media_core: ramp ? ramp.maxLossFree : null,
    subscribers_per_media_core_stopped_by: ramp ? ramp.stoppedBy : null,
    // The load generator's busiest thread at that step: the ramp shows the server's limit only while this has headroom.
    subscribers_per_media_core_generator_cpu_percent: generatorAt(ramp),
    workers_2_vs_1: medianOf(results, OURS, (r) => r.scaling?.ratio),
  };
  for (const janus of JANUS_VARIANTS) {
    // Each round's own ratio: Janus and ours ran minutes apart in it, under about the same load.
    const ratios = results.flatMap((r) => {
      const theirs = r.engine === janus ? us(r) : undefined;
      const ours = results.find((o) => o.engine === OURS && o.round === r.round);
      const mine = ours && us(ours);
      return theirs !== undefined && mine !== undefined ? [theirs / mine] : [];
    });
    const key = keyOf(janus);
    summary[`${key}_cpu_per_forwarded_packet_us_n${n}`] = medianOf(results, janus, us);
    summary[`${key}_ratio`] = ratios.length > 0 ? fixed(median(ratios)!, 2) : null;
    summary[`${key}_marginal_cpu_per_packet_us`] = below === undefined ? null : medianOf(results, janus, (r) => marginalUs(r, below, n));
  }
  return summary;
}

function generatorAt(ramp: RampResult | undefined): number | null {
  const step = ramp?.steps.find((s) => s.subscribers === ramp.maxLossFree);
  return step ? generatorCpu(step.window) : null;
}

/** `janus-thread-per-handle` → `janus_thread_per_handle`. */
const keyOf = (engine: string) => engine.replaceAll('-', '_');

/** From --paired: ours against each Janus variant in the same windows (medians over the windows). */
export function pairedRunSummary(results: PairedResult[]): Summary {
  const of = (values: number[]) => {
    const m = median(values.filter(Number.isFinite));
    return m === undefined ? null : fixed(m, 2);
  };
  const summary: Summary = {};
  // Ours against each Janus variant, and against a variant of ours (the native fan-out): the same keys under the other's name.
  for (const pair of results.filter((p) => p.base === OURS && (JANUS_VARIANTS.includes(p.other) || p.other.startsWith(`${OURS}-`)))) {
    const n = pair.subscribers;
    const key = keyOf(pair.other);
    summary[`cpu_per_forwarded_packet_us_n${n}`] ??= of(pair.windows.map((w) => w.base.usPerForwardedPacket));
    summary[`media_thread_cpu_per_forwarded_packet_us_n${n}`] ??= of(pair.windows.map((w) => w.base.workerUsPerForwardedPacket));
    summary[`${key}_cpu_per_forwarded_packet_us_n${n}`] = of(pair.windows.map((w) => w.other.usPerForwardedPacket));
    const thread = JANUS_VARIANTS.includes(pair.other) ? 'loop_thread' : 'media_thread';
    summary[`${key}_${thread}_cpu_per_forwarded_packet_us_n${n}`] = of(pair.windows.map((w) => w.other.workerUsPerForwardedPacket));
    summary[`${key}_ratio`] = of(pair.windows.map((w) => w.ratio));
  }
  return summary;
}

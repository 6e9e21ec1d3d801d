import type { PairedResult } from './paired';
import { generatorCpu } from './measure';
import { LOSS_LIMIT_PERCENT, mediaCpu, type RampResult } from './ramp';
import type { ScalingResult, ScalingRun } from './scaling';
import { ENGINE_VARIANTS } from './variants';

export interface VariantResult {
  engine: string;
  /** Which round of --repeats (from 1). */
  round: number;
  /** Why the variant did not run, if it did not. */
  skipped?: string;
  ramp?: RampResult;
  scaling?: ScalingResult;
  /** Why a part failed, if one did. */
  failed?: string;
}

export function markdownTable(header: string[], rows: string[][]): string {
  const lines = [header, ...rows];
  const widths = header.map((_, i) => Math.max(...lines.map((l) => l[i]!.length)));
  const fmt = (cells: string[]) => `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' | ')} |`;
  return [fmt(header), `|${widths.map((w, i) => (i === 0 ? '-'.repeat(w + 2) : '-'.repeat(w + 1) + ':')).join('|')}|`, ...rows.map(fmt)].join('\n');
}

const num = (value: number | undefined, digits = 1) => (value === undefined || Number.isNaN(value) ? '-' : value.toFixed(digits));

export function costTable(results: VariantResult[], costCounts: number[]): string {
  const rows: string[][] = [];
  for (const r of results) {
    for (const step of r.ramp?.steps.filter((s) => costCounts.includes(s.subscribers)) ?? []) {
      const w = step.window;
      rows.push([
        r.engine,
        String(r.round),
        String(step.subscribers),
        num(w.usPerForwardedPacket),
        num(w.workerUsPerForwardedPacket),
        num(w.workerSystemUsPerForwardedPacket),
        num(w.packetsInPerSecond, 0),
        num(w.packetsOutPerSecond, 0),
        num(w.cpuPercent),
        num(mediaCpu(w)),
        `${num(w.cpuUserSeconds, 2)}/${num(w.cpuSystemSeconds, 2)}`,
        num(w.rssMB, 0),
        w.packetsForwarded > 0 ? (w.subscriberPackets / w.packetsForwarded).toFixed(3) : '-',
        num(w.subscriberLossPercent, 2),
        num(generatorCpu(w), 0),
        num(w.loadAverage),
      ]);
    }
  }
  return markdownTable(
    ['engine', 'round', 'N', 'µs/fwd pkt', 'media thread µs/fwd pkt', 'of which kernel', 'pkt/s in', 'pkt/s out', 'CPU % core', 'media thread %', 'user/sys s', 'RSS MB', 'sub rcvd/fwd', 'sub loss %', 'generator CPU %', 'load avg'],
    rows,
  );
}

export function capacityTable(results: VariantResult[]): string {
  const rows = results
    .filter((r) => r.ramp)
    .map((r) => {
      const ramp = r.ramp!;
      const best = ramp.steps.find((s) => s.subscribers === ramp.maxLossFree);
      return [
        r.engine,
        String(r.round),
        String(ramp.maxLossFree),
        num(best && mediaCpu(best.window)),
        num(best?.window.packetsOutPerSecond, 0),
        num(best && generatorCpu(best.window), 0),
        ramp.stoppedBy,
        String(ramp.replaced),
        ramp.projectedPerCore === undefined ? '-' : `~${ramp.projectedPerCore}`,
      ];
    });
  return markdownTable(['engine', 'round', `most subscribers, loss ≤ ${LOSS_LIMIT_PERCENT}%`, 'media thread % there', 'pkt/s out there', 'generator CPU % there (busiest thread)', 'ramp stopped by', 'subscribers replaced (no media)', 'projected at 100% of a core (line through N ≥ 8)'], rows);
}

export function scalingTable(results: VariantResult[]): string {
  const rows = results
    .filter((r) => r.scaling)
    .map((r) => {
      const [one, two] = r.scaling!.runs as [ScalingRun, ScalingRun];
      return [
        r.engine,
        String(r.round),
        num(one.window.packetsOutPerSecond, 0),
        one.window.workerCpuPercent.map((c) => num(c)).join(' + '),
        num(two.window.packetsOutPerSecond, 0),
        two.window.workerCpuPercent.map((c) => num(c)).join(' + '),
        `${num(one.window.workerUsPerForwardedPacket)} → ${num(two.window.workerUsPerForwardedPacket)}`,
        `${num(one.window.usPerForwardedPacket)} → ${num(two.window.usPerForwardedPacket)}`,
        `${num(one.window.subscriberLossPercent, 2)} / ${num(two.window.subscriberLossPercent, 2)}`,
        `${num(one.capacity, 0)} → ${num(two.capacity, 0)}`,
        `${num(r.scaling!.ratio, 2)}×`,
      ];
    });
  return markdownTable(
    [
      'engine',
      'round',
      '1 worker: pkt/s out',
      'media thread %',
      '2 workers: pkt/s out',
      'media threads %',
      'media µs/fwd pkt 1 → 2',
      'process µs/fwd pkt 1 → 2',
      'loss % 1 / 2',
      'pkt/s at busiest thread 100% 1 → 2',
      'throughput 2 vs 1',
    ],
    rows,
  );
}

/** CPU per forwarded packet of `r` at N = `n`, if it measured it. */
const usAt = (r: VariantResult, n: number) => r.ramp?.steps.find((s) => s.subscribers === n)?.window.usPerForwardedPacket;

/** The median over the rounds of `engine`'s CPU per forwarded packet at N = `n`. */
function medianAt(results: VariantResult[], engine: string, n: number): number | undefined {
  return median(results.filter((r) => r.engine === engine).flatMap((r) => usAt(r, n) ?? []));
}

export function median(values: number[]): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

const percent = (ratio: number) => `${ratio >= 1 ? '+' : ''}${num((ratio - 1) * 100)}%`;

/** How each of our engines compares with each Janus variant at the largest cost size both measured (medians over the rounds). */
export function comparison(results: VariantResult[], costCounts: number[]): string[] {
  const n = Math.max(...costCounts);
  const janusNames = ENGINE_VARIANTS.filter((v) => v.janus).map((v) => v.name);
  const ours = [...new Set(results.map((r) => r.engine))].filter((e) => !janusNames.includes(e));
  const lines = ours.flatMap((engine) => {
    const us = medianAt(results, engine, n);
    const against = janusNames.flatMap((janus) => {
      const base = medianAt(results, janus, n);
      return base === undefined || us === undefined ? [] : [`${num(base / us, 2)}× cheaper than ${janus} (${num(base)} µs)`];
    });
    return against.length === 0 ? [] : [`${engine}: ${num(us)} µs per forwarded packet at N=${n}, ${against.join(', ')} in the same run`];
  });
  return [...lines, ...simulcastComparison(results, costCounts)];
}

/**
 * Each simulcast variant against the same engine with single-stream publishers, at every cost size
 * both measured (the bound: at most +20%): the medians over the rounds, and the median of
 * each round's own ratio (the two ran minutes apart, under about the same load).
 */
export function simulcastComparison(results: VariantResult[], costCounts: number[]): string[] {
  const lines: string[] = [];
  for (const engine of new Set(results.map((r) => r.engine).filter((e) => e.endsWith('-simulcast')))) {
    const single = engine.slice(0, -'-simulcast'.length);
    const parts = costCounts.flatMap((n) => {
      const a = medianAt(results, engine, n);
      const b = medianAt(results, single, n);
      if (a === undefined || b === undefined) return [];
      const paired = results.flatMap((r) => {
        const other = r.engine === engine ? results.find((x) => x.engine === single && x.round === r.round) : undefined;
        const [x, y] = [usAt(r, n), other && usAt(other, n)];
        return x !== undefined && y !== undefined ? [x / y] : [];
      });
      const rounds = paired.length > 1 ? `, per round ${paired.map(percent).join(' ')}, median ${percent(median(paired)!)}` : '';
      return [`N=${n}: ${num(a)} vs ${num(b)} µs (${percent(a / b)}${rounds})`];
    });
    if (parts.length > 0) lines.push(`${engine} against ${single}, CPU per forwarded packet (median of the rounds): ${parts.join('; ')}`);
  }
  return lines;
}

/** Each window of a paired run (paired.ts): both engines' cost in the same seconds. */
export function pairedTable(result: PairedResult): string {
  const rows = result.windows.map((w, i) => [
    String(i + 1),
    num(w.base.usPerForwardedPacket),
    num(w.other.usPerForwardedPacket),
    num(w.base.workerUsPerForwardedPacket),
    num(w.other.workerUsPerForwardedPacket),
    `${num(w.base.packetsInPerSecond, 0)} / ${num(w.other.packetsInPerSecond, 0)}`,
    `${num(w.base.packetsOutPerSecond, 0)} / ${num(w.other.packetsOutPerSecond, 0)}`,
    `${num(w.base.subscriberLossPercent, 2)} / ${num(w.other.subscriberLossPercent, 2)}`,
    percent(w.ratio),
    num(generatorCpu(w.base), 0),
    num(w.base.loadAverage),
  ]);
  return markdownTable(
    ['window', `${result.base} µs/fwd pkt`, `${result.other} µs/fwd pkt`, `${result.base} media thread`, `${result.other} media thread`, 'pkt/s in', 'pkt/s out', 'sub loss %', 'difference', 'generator CPU %', 'load avg'],
    rows,
  );
}

/** The paired run's verdict line: the median of the windows' own ratios and their range, for the whole process and for the media thread alone. */
export function pairedSummary(result: PairedResult): string {
  const spread = (ratios: number[]) => {
    const sorted = ratios.filter(Number.isFinite).sort((a, b) => a - b);
    return sorted.length === 0 ? '-' : `${percent(median(sorted)!)} (median; from ${percent(sorted[0]!)} to ${percent(sorted.at(-1)!)})`;
  };
  const process = spread(result.windows.map((w) => w.ratio));
  const media = spread(result.windows.map((w) => w.other.workerUsPerForwardedPacket / w.base.workerUsPerForwardedPacket));
  return `${result.other} against ${result.base} at N=${result.subscribers}, the same ${result.windows.length} windows, CPU per forwarded packet: whole process ${process}; media thread alone ${media}`;
}

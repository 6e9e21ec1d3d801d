import { loadavg } from 'node:os';
import type { RtpCount, UdpDrops } from '@confab/loadtest';
import type { BenchSubscriber, BenchTarget, SendingPublisher } from './BenchTarget';

/** Counters at one instant: the server's (from /proc and /metrics) and the participants'. */
export interface Snapshot {
  at: number;
  cpu: number;
  cpuUser: number;
  cpuSystem: number;
  received: number;
  forwarded: number;
  /** Per media worker: its thread's CPU seconds and packets forwarded (empty when media runs in the main thread). */
  workerCpu: number[];
  workerCpuSystem: number[];
  workerForwarded: number[];
  subscribers: RtpCount;
  /** Packets each subscriber has received so far, in the room's order. */
  perSubscriber: number[];
  sent: number;
  bench: NodeJS.CpuUsage;
  /** CPU seconds of each load-generator thread (lean subscribers; empty when the subscribers run on this thread). */
  generatorThreads: number[];
  udpDrops: UdpDrops;
}

/** What happened between two snapshots. */
export interface Window {
  seconds: number;
  packetsIn: number;
  packetsForwarded: number;
  packetsInPerSecond: number;
  packetsOutPerSecond: number;
  /** Server process, all threads: CPU over the window in % of one core, and per forwarded packet. */
  cpuPercent: number;
  cpuUserSeconds: number;
  cpuSystemSeconds: number;
  usPerForwardedPacket: number;
  /** Each media worker thread alone, % of one core; and all of them per forwarded packet. */
  workerCpuPercent: number[];
  workerUsPerForwardedPacket: number;
  /** Of the media threads' µs per forwarded packet, the part in the kernel (sending and receiving). */
  workerSystemUsPerForwardedPacket: number;
  workerPacketsOutPerSecond: number[];
  /** Subscriber side: packets counted / packets the server says it forwarded, and loss by sequence numbers. */
  subscriberPackets: number;
  subscriberLossPercent: number;
  /**
   * Subscribers that received nothing in the window. Loss is counted within the streams that
   * arrive, so a subscriber the server dropped (or that stopped reading) shows here, not there.
   */
  subscribersSilent: number;
  publisherPacketsSent: number;
  /** The load generator (this process, every headless participant), % of one core. */
  benchCpuPercent: number;
  /** Each load-generator thread (lean subscribers), % of one core; empty with werift subscribers. */
  generatorThreadCpuPercent: number[];
  rssMB: number;
  loadAverage: number;
  /**
   * Datagrams the kernel dropped in the window for a full receive buffer: at the server's sockets
   * (what arrived faster than the server read it), and at every other socket of the namespace (the
   * load generator's subscribers, which then count loss that is not the server's).
   */
  udpDropsAtServer: number;
  udpDropsElsewhere: number;
}

export function subscriberTotals(subscribers: readonly BenchSubscriber[]): RtpCount {
  const sum: RtpCount = { packets: 0, bytes: 0, expected: 0, keyFrames: 0 };
  for (const s of subscribers) {
    for (const r of s.stats().received) {
      sum.packets += r.packets;
      sum.bytes += r.bytes;
      sum.expected += r.expected;
    }
  }
  return sum;
}

/**
 * Server counters and CPU, and the participants' counts. The subscribers are read before and after
 * the server's counters and averaged, so both sides describe about the same instant.
 */
export async function snapshot(target: BenchTarget, publishers: readonly SendingPublisher[], subscribers: readonly BenchSubscriber[]): Promise<Snapshot> {
  const before = subscriberTotals(subscribers);
  const t0 = performance.now();
  const { cpu, received, forwarded, workerCpu, workerCpuSystem, workerForwarded, udpDrops } = await target.counters(publishers, subscribers);
  const t1 = performance.now();
  const after = subscriberTotals(subscribers);
  return {
    at: (t0 + t1) / 2,
    cpu: cpu.user + cpu.system,
    cpuUser: cpu.user,
    cpuSystem: cpu.system,
    received,
    forwarded,
    workerCpu,
    workerCpuSystem,
    workerForwarded,
    subscribers: {
      packets: Math.round((before.packets + after.packets) / 2),
      bytes: Math.round((before.bytes + after.bytes) / 2),
      expected: Math.round((before.expected + after.expected) / 2),
      keyFrames: 0,
    },
    perSubscriber: subscribers.map((s) => s.receivedPackets().reduce((n, p) => n + p, 0)),
    sent: publishers.reduce((n, p) => n + p.sentPackets(), 0),
    bench: process.cpuUsage(),
    generatorThreads: target.generatorThreadCpu?.() ?? [],
    udpDrops,
  };
}

export function window(a: Snapshot, b: Snapshot, rssBytes: number): Window {
  const t = (b.at - a.at) / 1000;
  const forwarded = b.forwarded - a.forwarded;
  const received = b.received - a.received;
  const cpu = b.cpu - a.cpu;
  const workerCpu = b.workerCpu.map((c, i) => c - (a.workerCpu[i] ?? 0));
  const workerCpuTotal = workerCpu.reduce((x, y) => x + y, 0);
  const workerSystemTotal = b.workerCpuSystem.reduce((x, c, i) => x + c - (a.workerCpuSystem[i] ?? 0), 0);
  const subPackets = b.subscribers.packets - a.subscribers.packets;
  const subExpected = b.subscribers.expected - a.subscribers.expected;
  const benchCpu = (b.bench.user - a.bench.user + b.bench.system - a.bench.system) / 1e6;
  return {
    seconds: fixed(t, 2),
    packetsIn: received,
    packetsForwarded: forwarded,
    packetsInPerSecond: fixed(received / t, 1),
    packetsOutPerSecond: fixed(forwarded / t, 1),
    cpuPercent: fixed((cpu / t) * 100, 1),
    cpuUserSeconds: fixed(b.cpuUser - a.cpuUser, 2),
    cpuSystemSeconds: fixed(b.cpuSystem - a.cpuSystem, 2),
    usPerForwardedPacket: forwarded > 0 ? fixed((cpu * 1e6) / forwarded, 1) : NaN,
    workerCpuPercent: workerCpu.map((c) => fixed((c / t) * 100, 1)),
    workerUsPerForwardedPacket: forwarded > 0 && workerCpu.length > 0 ? fixed((workerCpuTotal * 1e6) / forwarded, 1) : NaN,
    workerSystemUsPerForwardedPacket: forwarded > 0 && workerCpu.length > 0 ? fixed((workerSystemTotal * 1e6) / forwarded, 1) : NaN,
    workerPacketsOutPerSecond: b.workerForwarded.map((f, i) => fixed((f - (a.workerForwarded[i] ?? 0)) / t, 1)),
    subscriberPackets: subPackets,
    subscriberLossPercent: subExpected > 0 ? fixed((Math.max(0, subExpected - subPackets) / subExpected) * 100, 2) : 0,
    subscribersSilent: b.perSubscriber.filter((n, i) => i < a.perSubscriber.length && n === a.perSubscriber[i]).length,
    publisherPacketsSent: b.sent - a.sent,
    benchCpuPercent: fixed((benchCpu / t) * 100, 1),
    generatorThreadCpuPercent: b.generatorThreads.map((c, i) => fixed(((c - (a.generatorThreads[i] ?? 0)) / t) * 100, 1)),
    rssMB: fixed(rssBytes / 1024 / 1024, 1),
    loadAverage: fixed(loadavg()[0] ?? 0, 2),
    udpDropsAtServer: b.udpDrops.process - a.udpDrops.process,
    udpDropsElsewhere: b.udpDrops.others - a.udpDrops.others,
  };
}

/**
 * How busy the load generator was: its busiest thread when the subscribers have threads of their
 * own (lean), else the whole bench process (werift subscribers share its one thread).
 */
export function generatorCpu(w: Window): number {
  return w.generatorThreadCpuPercent.length > 0 ? Math.max(...w.generatorThreadCpuPercent) : w.benchCpuPercent;
}

export function fixed(value: number, digits: number): number {
  return Number(value.toFixed(digits));
}

/**
 * A server just started spends CPU once that is no per-packet cost: V8's memory reducer runs full
 * garbage collections on every thread some seconds after start-up, once the allocation rate falls
 * (measured: ~100 ms of CPU 8-16 s after the start, all threads together, 5 µs per forwarded
 * packet in a 5 s window at N = 32), and the code is still being optimised. So a new server's
 * first window waits this long, however short the warm-up between steps.
 */
export function settleSeconds(options: { warmup: number; settle: number }): number {
  return Math.max(options.warmup, options.settle);
}

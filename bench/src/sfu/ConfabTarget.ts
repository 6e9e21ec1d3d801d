import { createWriteStream } from 'node:fs';
import { HeadlessParticipant, LeanGenerator, ServerProcess, udpDrops } from '@confab/loadtest';
import type { BenchSubscriber, BenchTarget, PublisherServer, ServerCounters } from './BenchTarget';

/** Server limits out of the way: every bench participant comes from 127.0.0.1, and a room holds them all. */
export const BENCH_SERVER_ENV: Record<string, string> = { CONFAB_MAX_CONNECTIONS_PER_IP: '0', CONFAB_MAX_PARTICIPANTS_PER_ROOM: '10000' };

/**
 * Who subscribes: lean subscribers (our own ICE/DTLS/SRTP, native batched receive, counting
 * without decoding) on `threads` generator threads, or werift peer connections on the bench's
 * main thread (HeadlessParticipant).
 */
export type SubscriberEngine = { kind: 'lean'; threads: number; receiveClockMs?: number } | { kind: 'werift' };

/** Lean subscribers a target hands out over its life, replacements included (their counters are preallocated: ~240 bytes each). */
const LEAN_CAPACITY = 8192;

/** Our server (`packages/server/src/main.ts` in a child process), counters from its /metrics. */
export class ConfabTarget implements BenchTarget {
  private constructor(
    readonly server: ServerProcess,
    private readonly lean: LeanGenerator | null,
  ) {}

  /** `env`: the engine's settings, CONFAB_MEDIA_WORKERS among them; `root`: the checkout the server runs from (default: this one). */
  static async start(env: Record<string, string>, subscribers: SubscriberEngine, root?: string): Promise<ConfabTarget> {
    // CONFAB_BENCH_SERVER_LOG=<file>: every server's log lines appended there, to read why a ramp stopped.
    const logPath = process.env['CONFAB_BENCH_SERVER_LOG'];
    const log = logPath ? createWriteStream(logPath, { flags: 'a' }) : null;
    const server = await ServerProcess.start({ env: { ...BENCH_SERVER_ENV, ...env }, ...(root !== undefined ? { root } : {}), ...(log ? { logLevel: 'info', onLine: (line: string) => log.write(`${line}\n`) } : {}) });
    try {
      const lean = subscribers.kind === 'lean' ? await LeanGenerator.start({ threads: subscribers.threads, capacity: LEAN_CAPACITY, receiveClockMs: subscribers.receiveClockMs }) : null;
      return new ConfabTarget(server, lean);
    } catch (error) {
      await server.stop();
      throw error;
    }
  }

  get output(): string[] {
    return this.server.output;
  }

  openRoom(name: string): Promise<PublisherServer> {
    return Promise.resolve({ kind: 'confab', url: this.server.rtcUrl, room: name });
  }

  subscriber(room: string, name: string): BenchSubscriber {
    return this.lean ? this.lean.subscriber(this.server.rtcUrl, room, name) : new HeadlessParticipant({ url: this.server.rtcUrl, room, name });
  }

  generatorThreadCpu(): number[] {
    return this.lean?.threadCpuSeconds() ?? [];
  }

  async counters(): Promise<ServerCounters> {
    const cpu = this.server.cpu();
    const metrics = await this.server.metrics();
    const forwarded = metrics.get('confab_media_rtp_packets_forwarded');
    const received = metrics.get('confab_media_rtp_packets_received');
    if (forwarded === undefined || received === undefined) throw new Error('server /metrics lacks confab_media_rtp_packets_{forwarded,received}');
    return {
      cpu,
      received,
      forwarded,
      workerCpu: perWorker(metrics, 'confab_media_worker_cpu_seconds'),
      workerCpuSystem: perWorker(metrics, 'confab_media_worker_cpu_system_seconds'),
      workerForwarded: perWorker(metrics, 'confab_media_worker_rtp_packets_forwarded'),
      udpDrops: udpDrops(this.server.pid),
    };
  }

  rss(): number {
    return this.server.rss();
  }

  async stop(): Promise<void> {
    await this.lean?.stop();
    await this.server.stop();
  }
}

/** Samples labelled {worker="i"}, in worker order. */
function perWorker(metrics: Map<string, number>, name: string): number[] {
  const values: number[] = [];
  for (let i = 0; metrics.has(`${name}{worker="${i}"}`); i++) values.push(metrics.get(`${name}{worker="${i}"}`)!);
  return values;
}

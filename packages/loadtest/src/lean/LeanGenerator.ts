import { readFileSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import type { RtpCount } from '../RtpCounter';
import { counterMemory, fieldIndex, MAX_TRACKS, SubscriberField, trackIndex, TrackField } from './leanCounters';

/** What a generator thread is started with. */
export interface LeanWorkerData {
  counters: SharedArrayBuffer;
  /** The address the subscribers' UDP sockets bind to. */
  hostAddress: string;
  /** LeanGeneratorOptions.receiveClockMs. */
  receiveClockMs: number;
}

export type LeanWorkerRequest =
  | { type: 'join'; slot: number; url: string; room: string; name: string }
  | { type: 'close'; slot: number }
  | { type: 'stop' };

export type LeanWorkerReply =
  | { type: 'ready'; tid: number }
  | { type: 'joined'; slot: number }
  | { type: 'joinFailed'; slot: number; message: string }
  | { type: 'closed'; slot: number }
  | { type: 'error'; slot: number; message: string };

export interface LeanGeneratorOptions {
  /** Generator threads: one per core the generator may use. */
  threads: number;
  /** Subscribers over the generator's life (each takes a record of the shared counters). */
  capacity: number;
  hostAddress?: string;
  /**
   * Read the subscribers' sockets every this many ms, not when a datagram comes (default 0: when
   * it comes, as browsers are woken). On loopback the server pays for waking its receivers, so a
   * generator that sleeps until each packet comes charges the server for the receivers' side of
   * the network. Arrival times stay the kernel's either way.
   */
  receiveClockMs?: number;
}

/** What the lean subscribers received, in total (the bench's loss is expected - packets). */
export interface LeanTotals extends RtpCount {
  duplicates: number;
  reordered: number;
  /** Mean interarrival jitter of the video and audio streams, ms. */
  videoJitterMs: number;
  audioJitterMs: number;
  samplesVerified: number;
  samplesFailed: number;
  rtxPackets: number;
}

const WORKER_SCRIPT = new URL('./leanWorker.ts', import.meta.url);
const CLOSE_TIMEOUT_MS = 5_000;

/**
 * Lean subscribers (LeanSubscriber) on `threads` worker threads, handed out round-robin. The
 * main thread sees each through a LeanSubscriberHandle reading the shared counters, and each
 * generator thread's CPU through /proc, so a bench can tell when its load generator, not the
 * server, is the limit.
 */
export class LeanGenerator {
  private readonly counters: Float64Array;
  /** Requests waiting for their thread's reply, by `join:<slot>` or `close:<slot>`. */
  private readonly waiting = new Map<string, { resolve(): void; reject(error: Error): void }>();
  private readonly handles = new Map<number, LeanSubscriberHandle>();
  private next = 0;

  private constructor(
    private readonly workers: { worker: Worker; tid: number }[],
    counters: Float64Array,
  ) {
    this.counters = counters;
    for (const { worker } of workers) {
      worker.on('message', (reply: LeanWorkerReply) => this.onReply(reply));
      // A thread that dies takes its subscribers with it: every request waiting on it fails now, not at its timeout.
      worker.on('error', (error) => this.failAll(`generator thread failed: ${error.message}`));
      worker.on('exit', (code) => {
        if (code !== 0) this.failAll(`generator thread exited (${code})`);
      });
    }
  }

  /** Reasons generator threads failed, if any did. */
  readonly failures: string[] = [];

  private failAll(reason: string): void {
    this.failures.push(reason);
    for (const waiting of this.waiting.values()) waiting.reject(new Error(reason));
    this.waiting.clear();
    for (const handle of this.handles.values()) handle.addError(reason);
  }

  static async start(options: LeanGeneratorOptions): Promise<LeanGenerator> {
    const counters = counterMemory(options.capacity);
    const data: LeanWorkerData = { counters: counters.buffer as SharedArrayBuffer, hostAddress: options.hostAddress ?? '127.0.0.1', receiveClockMs: options.receiveClockMs ?? 0 };
    // Run from TypeScript: each thread registers tsx first, as the bench's publisher thread does.
    const tsx = import.meta.resolve('tsx/esm/api');
    const boot = `import(${JSON.stringify(tsx)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(WORKER_SCRIPT.href)}); });`;
    const workers = await Promise.all(
      Array.from({ length: options.threads }, () => {
        const worker = new Worker(boot, { eval: true, workerData: data });
        return new Promise<{ worker: Worker; tid: number }>((resolve, reject) => {
          worker.once('error', reject);
          worker.on('message', (reply: LeanWorkerReply) => {
            if (reply.type === 'ready') resolve({ worker, tid: reply.tid });
          });
        });
      }),
    );
    return new LeanGenerator(workers, counters);
  }

  get capacity(): number {
    return this.counters.length / fieldIndex(1, 0);
  }

  subscriber(url: string, room: string, name: string): LeanSubscriberHandle {
    const slot = this.next++;
    if (slot >= this.capacity) throw new Error(`lean generator: more than its capacity of ${this.capacity} subscribers`);
    const worker = this.workers[slot % this.workers.length]!.worker;
    const handle = new LeanSubscriberHandle({ type: 'join', slot, url, room, name }, this.counters, (request) => this.request(worker, request));
    this.handles.set(slot, handle);
    return handle;
  }

  /** CPU seconds each generator thread has used so far (from /proc/self/task/<tid>/schedstat). */
  threadCpuSeconds(): number[] {
    return this.workers.map(({ tid }) => {
      try {
        return Number(readFileSync(`/proc/self/task/${tid}/schedstat`, 'utf8').split(' ')[0]) / 1e9;
      } catch {
        return NaN;
      }
    });
  }

  /** Everything the generator's subscribers received so far. */
  totals(): LeanTotals {
    const sum: LeanTotals = { packets: 0, bytes: 0, expected: 0, keyFrames: 0, duplicates: 0, reordered: 0, videoJitterMs: 0, audioJitterMs: 0, samplesVerified: 0, samplesFailed: 0, rtxPackets: 0 };
    const jitter = [0, 0];
    const streams = [0, 0];
    const c = this.counters;
    for (let slot = 0; slot < this.next; slot++) {
      for (let t = 0; t < Math.min(MAX_TRACKS, c[fieldIndex(slot, SubscriberField.tracks)]!); t++) {
        sum.packets += c[trackIndex(slot, t, TrackField.packets)]!;
        sum.bytes += c[trackIndex(slot, t, TrackField.bytes)]!;
        sum.expected += c[trackIndex(slot, t, TrackField.expected)]!;
        sum.duplicates += c[trackIndex(slot, t, TrackField.duplicates)]!;
        sum.reordered += c[trackIndex(slot, t, TrackField.reordered)]!;
        // Tracks in offer order: the publisher's microphone, then its camera.
        const kind = t % 2;
        jitter[kind]! += c[trackIndex(slot, t, TrackField.jitterMs)]!;
        streams[kind]!++;
      }
      sum.samplesVerified += c[fieldIndex(slot, SubscriberField.samplesVerified)]!;
      sum.samplesFailed += c[fieldIndex(slot, SubscriberField.samplesFailed)]!;
      sum.rtxPackets += c[fieldIndex(slot, SubscriberField.rtxPackets)]!;
    }
    sum.audioJitterMs = streams[0]! > 0 ? jitter[0]! / streams[0]! : 0;
    sum.videoJitterMs = streams[1]! > 0 ? jitter[1]! / streams[1]! : 0;
    return sum;
  }

  async stop(): Promise<void> {
    await Promise.all(
      this.workers.map(({ worker }) => {
        const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
        worker.postMessage({ type: 'stop' } satisfies LeanWorkerRequest);
        const timer = setTimeout(() => void worker.terminate(), CLOSE_TIMEOUT_MS);
        return exited.finally(() => clearTimeout(timer));
      }),
    );
  }

  private request(worker: Worker, request: Extract<LeanWorkerRequest, { slot: number }>): Promise<void> {
    return new Promise((resolve, reject) => {
      this.waiting.set(`${request.type}:${request.slot}`, { resolve, reject });
      worker.postMessage(request);
    });
  }

  private onReply(reply: LeanWorkerReply): void {
    if (reply.type === 'ready') return;
    if (reply.type === 'error') {
      this.handles.get(reply.slot)?.addError(reply.message);
      return;
    }
    const key = `${reply.type === 'closed' ? 'close' : 'join'}:${reply.slot}`;
    const waiting = this.waiting.get(key);
    this.waiting.delete(key);
    if (reply.type === 'joinFailed') {
      this.handles.get(reply.slot)?.addError(`join: ${reply.message}`);
      waiting?.reject(new Error(reply.message));
    }
    else waiting?.resolve();
  }
}

/** A lean subscriber as the main thread sees it: requests to its thread, counts from the shared memory. */
export class LeanSubscriberHandle {
  readonly errors: string[] = [];

  private readonly slot: number;

  constructor(
    private readonly joinRequest: Extract<LeanWorkerRequest, { type: 'join' }>,
    private readonly counters: Float64Array,
    private readonly send: (request: Extract<LeanWorkerRequest, { slot: number }>) => Promise<void>,
  ) {
    this.slot = joinRequest.slot;
  }

  get name(): string {
    return this.joinRequest.name;
  }

  join(): Promise<void> {
    return this.send(this.joinRequest);
  }

  /** Packets received so far on each track the latest offer lists. */
  receivedPackets(): number[] {
    return Array.from({ length: this.tracks() }, (_, t) => this.counters[trackIndex(this.slot, t, TrackField.packets)]!);
  }

  stats(): { received: RtpCount[] } {
    const c = this.counters;
    const received = Array.from({ length: this.tracks() }, (_, t) => ({
      packets: c[trackIndex(this.slot, t, TrackField.packets)]!,
      bytes: c[trackIndex(this.slot, t, TrackField.bytes)]!,
      expected: c[trackIndex(this.slot, t, TrackField.expected)]!,
      keyFrames: 0,
    }));
    return { received };
  }

  close(): Promise<void> {
    return this.send({ type: 'close', slot: this.slot });
  }

  addError(message: string): void {
    if (this.errors.length < 20) this.errors.push(message);
  }

  private tracks(): number {
    return Math.min(MAX_TRACKS, this.counters[fieldIndex(this.slot, SubscriberField.tracks)]!);
  }
}

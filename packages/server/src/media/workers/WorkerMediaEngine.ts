import { MediaError } from '../errors';
import { silentLogger, type MediaLogger } from '../logger';
import type { MediaEngine, MediaEngineStats, MediaWorkerStats, Router, RouterOptions } from '../types';
import type { EngineSettings } from './engines';
import { MediaWorker } from './MediaWorker';
import { leastLoaded } from './placement';
import { RemoteRouter } from './RemoteRouter';
import { ZERO_COUNTERS, addCounters, type WorkerCounters } from './SharedStats';
import type { LogLevel } from './workerLogger';

export interface WorkerMediaEngineOptions {
  /** Media worker threads, at least 1. */
  workers: number;
  /** What each worker builds its engine from (each gets slot i of `workers`: its share of the ports). */
  settings: EngineSettings;
  logger?: MediaLogger;
  /** Worker log lines below this level are dropped in the worker. Default 'info'. */
  logLevel?: LogLevel;
  /**
   * A module exporting `createWorkerEngine` (an EngineFactory), used by every worker instead of the
   * built-in engines. For tests, e.g. to crash one worker on purpose.
   */
  engineModule?: URL;
  /** A worker that does not answer for this long is stuck: it is ended, its rooms fail. Default 30 s. */
  unresponsiveMs?: number;
}

/** A worker that dies sooner than this after it started counts as failing at start: its replacement waits. */
const EARLY_DEATH_MS = 10_000;
const FIRST_RETRY_MS = 500;
const MAX_RETRY_MS = 30_000;
/** How long close() lets a worker's engine release its sockets before the thread is ended. */
const STOP_TIMEOUT_MS = 10_000;

interface Slot {
  readonly index: number;
  /** Undefined while a replacement is waiting to start. */
  worker: MediaWorker | undefined;
  restarts: number;
  /** Counters of the workers that died in this slot, so totals never go back. */
  retired: WorkerCounters;
  retryMs: number;
  retry: NodeJS.Timeout | undefined;
}

/**
 * The media plane on N worker threads (DESIGN.md "every core"). Each worker hosts a real engine;
 * each router (room) lives on one worker, placed on the least loaded, and everything of that room
 * stays there, so producers and consumers meet on one thread. Only signaling crosses threads,
 * never media. A worker that dies takes only its routers down (their owners hear it through
 * `onFailed`); a replacement starts in its slot and the rest carries on.
 */
export class WorkerMediaEngine implements MediaEngine {
  private readonly slots: Slot[];
  private readonly routers = new Map<string, RemoteRouter>();
  private readonly logger: MediaLogger;
  private started = false;
  private closing: Promise<void> | undefined;

  private constructor(private readonly options: WorkerMediaEngineOptions) {
    if (!Number.isInteger(options.workers) || options.workers < 1) throw MediaError.invalidArgument('workers must be an integer >= 1');
    this.logger = options.logger ?? silentLogger;
    this.slots = Array.from({ length: options.workers }, (_, index) => ({
      index,
      worker: undefined,
      restarts: 0,
      retired: { ...ZERO_COUNTERS },
      retryMs: 0,
      retry: undefined,
    }));
    for (const slot of this.slots) this.spawn(slot);
  }

  /** Starts every worker and resolves once each has its engine; rejects (and stops them all) if one fails. */
  static async start(options: WorkerMediaEngineOptions): Promise<WorkerMediaEngine> {
    const engine = new WorkerMediaEngine(options);
    try {
      await Promise.all(engine.slots.map((slot) => slot.worker?.ready));
    } catch (error) {
      await engine.close();
      throw error;
    }
    engine.started = true;
    engine.logger.info({ workers: options.workers }, 'media workers ready');
    return engine;
  }

  createRouter(id: string, options: RouterOptions = {}): Router {
    if (this.closing) throw MediaError.conflict('media engine is closed');
    if (this.routers.has(id)) throw MediaError.conflict(`router ${id} already exists`);
    const index = leastLoaded(this.slots.map((slot) => (slot.worker?.alive ? slot.worker.load() : undefined)));
    const worker = this.slots[index]?.worker;
    if (!worker) throw MediaError.unavailable('no media worker is running; try again shortly');
    const router = new RemoteRouter(id, worker, this.logger, options, (gone) => {
      if (this.routers.get(gone.id) === gone) this.routers.delete(gone.id);
    });
    this.routers.set(id, router);
    return router;
  }

  stats(): MediaEngineStats {
    const workers: MediaWorkerStats[] = [];
    const total: MediaEngineStats = { routers: this.routers.size, transports: 0, producers: 0, consumers: 0, rtpPacketsReceived: 0, rtpPacketsForwarded: 0, rtpBytesForwarded: 0, pacerQueuedPackets: 0, pacerDroppedPackets: 0 };
    for (const slot of this.slots) {
      const worker = slot.worker;
      const counters = worker ? addCounters(slot.retired, worker.counters()) : slot.retired;
      total.transports += worker?.transports ?? 0;
      total.producers += worker?.producers ?? 0;
      total.consumers += worker?.consumers ?? 0;
      total.rtpPacketsReceived += counters.rtpPacketsReceived;
      total.rtpPacketsForwarded += counters.rtpPacketsForwarded;
      total.rtpBytesForwarded += counters.rtpBytesForwarded;
      total.pacerQueuedPackets += counters.pacerQueuedPackets;
      total.pacerDroppedPackets += counters.pacerDroppedPackets;
      workers.push({
        index: slot.index,
        routers: worker?.routers.size ?? 0,
        transports: worker?.transports ?? 0,
        rtpPacketsReceived: counters.rtpPacketsReceived,
        rtpPacketsForwarded: counters.rtpPacketsForwarded,
        cpuSeconds: counters.cpuSeconds,
        cpuSystemSeconds: counters.cpuSystemSeconds,
        restarts: slot.restarts,
      });
    }
    return { ...total, workers };
  }

  /** Closes every router, lets each worker's engine release its sockets, and ends the threads. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      for (const router of [...this.routers.values()]) router.close();
      for (const slot of this.slots) clearTimeout(slot.retry);
      await Promise.all(this.slots.map((slot) => slot.worker?.stop(STOP_TIMEOUT_MS)));
    })();
    return this.closing;
  }

  private spawn(slot: Slot): void {
    slot.retry = undefined;
    slot.worker = new MediaWorker({
      slot: slot.index,
      slots: this.slots.length,
      settings: this.options.settings,
      logLevel: this.options.logLevel ?? 'info',
      engineModule: this.options.engineModule?.href ?? null,
      logger: this.logger,
      unresponsiveMs: this.options.unresponsiveMs ?? 30_000,
      onDeath: (worker, error) => this.workerDied(slot, worker, error),
    });
  }

  private workerDied(slot: Slot, worker: MediaWorker, error: Error): void {
    if (slot.worker !== worker) return;
    slot.worker = undefined;
    slot.retired = addCounters(slot.retired, worker.counters());
    slot.restarts++;
    this.logger.error({ worker: slot.index, err: error, routers: worker.routers.size }, 'media worker died; its rooms fail, the others carry on');
    if (!this.started || this.closing) return;
    // A worker that keeps dying at start (e.g. its port is taken) is retried ever more slowly.
    const early = Date.now() - worker.startedAt < EARLY_DEATH_MS;
    slot.retryMs = early ? Math.min(Math.max(slot.retryMs * 2, FIRST_RETRY_MS), MAX_RETRY_MS) : 0;
    // The replacement starts once the dead thread is gone, so whatever it held (sockets, ports) is free.
    void worker.exited.then(() => {
      if (this.closing) return;
      slot.retry = setTimeout(() => {
        if (!this.closing) this.spawn(slot);
      }, slot.retryMs);
    });
  }
}

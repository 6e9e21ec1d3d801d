import { Worker } from 'node:worker_threads';
import { MediaError, errorMessage } from '../errors';
import type { MediaLogger } from '../logger';
import type { AudioLevelSample, StreamState, SubscribedLayer, TransportSignal, TransportState, TransportStats } from '../types';
import type { EngineSettings } from './engines';
import { errorFromWire } from './errorWire';
import type { WorkerLoad } from './placement';
import { WorkerEvent, type ReplyResultWire, type WorkerCommand } from './protocol';
import type { RemoteRouter } from './RemoteRouter';
import { SharedStats, type WorkerCounters } from './SharedStats';
import { threadCpuSeconds, threadSystemCpuSeconds } from './threadCpu';
import { TurnBatch } from './TurnBatch';
import type { WorkerData } from './WorkerData';
import type { LogLevel } from './workerLogger';

/** The worker's entry: workerMain.ts beside this file from source; in dist/, the bundle built from it beside main.js. */
const WORKER_SCRIPT = new URL(import.meta.url.endsWith('.ts') ? './workerMain.ts' : './mediaWorker.js', import.meta.url);

export interface MediaWorkerOptions {
  slot: number;
  slots: number;
  settings: EngineSettings;
  logLevel: LogLevel;
  engineModule: string | null;
  logger: MediaLogger;
  /** A worker that has not answered a ping for this long is stuck: it is ended and counts as dead. */
  unresponsiveMs: number;
  /** The thread died on its own (uncaught exception, exit, stuck); called once, before its routers fail. */
  onDeath(worker: MediaWorker, error: Error): void;
}

/** A proxy object the worker can address by handle. */
export interface Endpoint {
  /** A command for this object, which has no reply, threw on the worker. */
  failed(error: MediaError): void;
  signal?(signal: TransportSignal): void;
  stateChanged?(state: TransportState): void;
  stats?(stats: TransportStats): void;
  audioLevels?(samples: readonly AudioLevelSample[]): void;
  subscribedLayers?(layers: SubscribedLayer[]): void;
  streamState?(state: StreamState): void;
  recordingError?(message: string): void;
  recordingFirstFrame?(startMs: number): void;
}

/**
 * The main thread's end of one media worker thread: handles and requests going out, events coming
 * in (validated) and dispatched to the proxies, the routers it hosts and its load. When the thread
 * dies, pending requests reject and every router on it fails; nothing else is touched.
 */
export class MediaWorker {
  readonly slot: number;
  private readonly packets = new SharedStats();
  /** The worker thread's kernel id, from its `ready`; null until then, or where there is no /proc. */
  private threadId: number | null = null;
  /** Its CPU times as last read: what counts once the thread has ended and /proc no longer says. */
  private cpu = { cpuSeconds: 0, cpuSystemSeconds: 0 };
  readonly startedAt = Date.now();
  /** Resolves once the worker's engine exists; rejects if the thread dies first. */
  readonly ready: Promise<void>;
  /** Resolves when the thread has ended, whatever the reason. */
  readonly exited: Promise<void>;
  readonly routers = new Set<RemoteRouter>();
  transports = 0;
  producers = 0;
  consumers = 0;
  private readonly thread: Worker;
  /**
   * Commands go to the thread as one message per turn of our loop. What one stretch of work asks
   * (a join subscribes the newcomer to every track in the room) then runs there in one turn too, so
   * the subscribe transport's offer (Renegotiator) carries all of it. Posted one by one, the worker
   * could wake for the first command while we were still making the others and offer that track
   * alone: the newcomer then waited for a second offer and answer for the rest of the room's video.
   */
  private readonly outbox = new TurnBatch<WorkerCommand>((commands) => this.thread.postMessage(commands));
  private readonly endpoints = new Map<number, Endpoint>();
  private readonly pending = new Map<number, { resolve: (result: ReplyResultWire | undefined) => void; reject: (error: MediaError) => void }>();
  private nextHandle = 1;
  private nextRequest = 1;
  private death: MediaError | undefined;
  private stopping = false;
  private markReady: () => void = () => {};
  private isReady = false;
  private readonly heartbeat: NodeJS.Timeout;
  /** When the ping now awaiting its answer was sent. */
  private pingSentAt: number | undefined;

  constructor(private readonly options: MediaWorkerOptions) {
    this.slot = options.slot;
    let failStart: (error: Error) => void = () => {};
    this.ready = new Promise<void>((resolve, reject) => {
      this.markReady = resolve;
      failStart = reject;
    });
    this.ready.catch(() => {}); // a death before ready is reported through onDeath as well
    const data: WorkerData = {
      slot: options.slot,
      slots: options.slots,
      settings: options.settings,
      logLevel: options.logLevel,
      stats: this.packets.buffer,
      engineModule: options.engineModule,
    };
    this.thread = spawn(data);
    this.exited = new Promise<void>((resolve) => this.thread.once('exit', () => resolve()));
    this.thread.on('message', (raw: unknown) => this.receive(raw));
    this.thread.on('error', (error) => {
      failStart(error);
      this.die(error);
    });
    this.thread.on('exit', (code) => {
      const error = new Error(`media worker ${this.slot} exited with code ${code}`);
      failStart(error);
      if (!this.stopping) this.die(error);
    });
    this.heartbeat = setInterval(() => this.checkResponsive(), Math.min(5_000, options.unresponsiveMs / 2));
    this.heartbeat.unref();
  }

  get alive(): boolean {
    return this.death === undefined && !this.stopping;
  }

  /** The thread's counters now: packets from the memory its engine counts into, CPU time from /proc. */
  counters(): WorkerCounters {
    if (this.threadId !== null) {
      this.cpu = {
        cpuSeconds: threadCpuSeconds(this.threadId) ?? this.cpu.cpuSeconds,
        cpuSystemSeconds: threadSystemCpuSeconds(this.threadId) ?? this.cpu.cpuSystemSeconds,
      };
    }
    return { ...this.packets.read(), ...this.cpu };
  }

  /** The error every call on this worker's objects fails with once it died. */
  get failure(): MediaError | undefined {
    return this.death;
  }

  load(): WorkerLoad {
    return { routers: this.routers.size, transports: this.transports };
  }

  /** A new handle for an object on this worker, addressed by events when `endpoint` is given. */
  handle(endpoint?: Endpoint): number {
    const handle = this.nextHandle++;
    if (endpoint) this.endpoints.set(handle, endpoint);
    return handle;
  }

  forget(handle: number): void {
    this.endpoints.delete(handle);
  }

  post(command: WorkerCommand): void {
    if (this.alive) this.outbox.add(command);
  }

  /** A command that gets a reply; rejects with the worker's error, or `unavailable` if the thread dies. */
  async request(command: (request: number) => WorkerCommand): Promise<void> {
    await this.requestResult(command);
  }

  /** As request(), resolving with what the reply carries. */
  requestResult(command: (request: number) => WorkerCommand): Promise<ReplyResultWire | undefined> {
    if (!this.alive) return Promise.reject(this.death ?? MediaError.unavailable('media worker is stopping'));
    const request = this.nextRequest++;
    return new Promise<ReplyResultWire | undefined>((resolve, reject) => {
      this.pending.set(request, { resolve, reject });
      this.outbox.add(command(request));
    });
  }

  /** Lets the engine release its sockets, then ends the thread (after `timeoutMs` at the latest). */
  async stop(timeoutMs: number): Promise<void> {
    if (this.alive) {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)));
      const shutdown = this.request((request) => ({ op: 'shutdown', request })).catch((err: unknown) => {
        this.options.logger.warn({ err, worker: this.slot }, 'media worker did not shut down cleanly');
      });
      await Promise.race([shutdown, timeout]);
      clearTimeout(timer);
    }
    this.stopping = true;
    clearInterval(this.heartbeat);
    await this.thread.terminate();
  }

  private receive(raw: unknown): void {
    const parsed = WorkerEvent.safeParse(raw);
    if (!parsed.success) {
      this.options.logger.error({ worker: this.slot, issues: parsed.error.issues.slice(0, 3) }, 'invalid message from a media worker');
      return;
    }
    const event = parsed.data;
    switch (event.ev) {
      case 'ready':
        this.options.logger.info({ worker: this.slot, threadId: event.threadId }, 'media worker ready');
        this.threadId = event.threadId;
        this.isReady = true;
        return this.markReady();
      case 'signal':
        return this.endpoints.get(event.transport)?.signal?.(event.signal);
      case 'state':
        return this.endpoints.get(event.transport)?.stateChanged?.(event.state);
      case 'stats':
        for (const { transport, stats } of event.entries) this.endpoints.get(transport)?.stats?.(stats);
        return;
      case 'audioLevels':
        return this.endpoints.get(event.router)?.audioLevels?.(event.samples);
      case 'reply': {
        const pending = this.pending.get(event.request);
        this.pending.delete(event.request);
        if (event.error) pending?.reject(errorFromWire(event.error));
        else pending?.resolve(event.result);
        return;
      }
      case 'subscribedLayers':
        return this.endpoints.get(event.producer)?.subscribedLayers?.(event.layers);
      case 'streamState':
        return this.endpoints.get(event.consumer)?.streamState?.(event.state === 'paused' ? { state: 'paused', reason: 'bandwidth' } : { state: 'active' });
      case 'recordingError':
        return this.endpoints.get(event.recording)?.recordingError?.(event.message);
      case 'recordingFirstFrame':
        return this.endpoints.get(event.recording)?.recordingFirstFrame?.(event.startMs);
      case 'failed':
        return this.endpoints.get(event.handle)?.failed(errorFromWire(event.error));
      case 'log':
        return this.options.logger[event.level]({ ...event.fields, worker: this.slot }, event.message);
    }
  }

  /** Pings the worker; one that left the last ping unanswered for `unresponsiveMs` is ended. */
  private checkResponsive(): void {
    if (!this.alive || !this.isReady) return; // building its engine may take a while
    if (this.pingSentAt === undefined) {
      const sentAt = Date.now();
      this.pingSentAt = sentAt;
      this.request((request) => ({ op: 'ping', request })).then(
        () => {
          if (this.pingSentAt === sentAt) this.pingSentAt = undefined;
        },
        () => {},
      );
      return;
    }
    const silentMs = Date.now() - this.pingSentAt;
    if (silentMs < this.options.unresponsiveMs) return;
    this.die(new Error(`media worker ${this.slot} did not answer for ${silentMs} ms`));
    void this.thread.terminate();
  }

  private die(error: Error): void {
    if (this.death || this.stopping) return;
    clearInterval(this.heartbeat);
    this.death = MediaError.unavailable(`media worker ${this.slot} failed: ${errorMessage(error)}`);
    for (const { reject } of this.pending.values()) reject(this.death);
    this.pending.clear();
    this.options.onDeath(this, error);
    for (const router of [...this.routers]) router.fail(this.death);
    this.endpoints.clear();
  }
}

/**
 * From source (under tsx) the worker needs tsx's loader first: Node 20 workers do not inherit the
 * parent's module hooks. The built server runs dist/mediaWorker.js directly.
 */
function spawn(workerData: WorkerData): Worker {
  if (!WORKER_SCRIPT.pathname.endsWith('.ts')) return new Worker(WORKER_SCRIPT, { workerData });
  const tsx = import.meta.resolve('tsx/esm/api');
  const boot = `import(${JSON.stringify(tsx)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(WORKER_SCRIPT.href)}); });`;
  return new Worker(boot, { eval: true, workerData });
}

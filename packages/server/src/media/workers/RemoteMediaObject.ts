import type { MediaError } from '../errors';
import type { Endpoint } from './MediaWorker';
import type { RemoteTransport } from './RemoteTransport';

/** The calls a producer and a consumer on a worker both take. */
export type RemoteMediaCall = 'pause' | 'resume' | 'close';

/**
 * What the main thread's proxies for a producer and a consumer share: paused and closed state
 * kept here (so reading them never waits for the worker), calls posted to the worker, and the
 * bookkeeping of going away, whether closed here or by the worker.
 */
export abstract class RemoteMediaObject implements Endpoint {
  abstract readonly id: string;
  /** For logs: which kind of object this is. */
  protected abstract readonly what: 'producer' | 'consumer';
  readonly handle: number;
  private currentPaused: boolean;
  private currentClosed = false;

  constructor(
    readonly transport: RemoteTransport,
    paused: boolean,
  ) {
    this.currentPaused = paused;
    this.handle = transport.worker.handle(this);
  }

  get paused(): boolean {
    return this.currentPaused;
  }

  get closed(): boolean {
    return this.currentClosed;
  }

  pause(): void {
    if (this.currentClosed) return;
    this.currentPaused = true;
    this.call('pause');
  }

  resume(): void {
    if (this.currentClosed || !this.currentPaused) return;
    this.currentPaused = false;
    this.call('resume');
  }

  close(): void {
    if (this.currentClosed) return;
    this.release();
    this.call('close');
  }

  /** Closed here without telling the worker (it knows, or closes it itself). */
  release(): void {
    if (this.currentClosed) return;
    this.currentClosed = true;
    this.released();
    this.transport.worker.forget(this.handle);
  }

  /** A call refused by the worker closes this object; an internal error fails the whole router. */
  failed(error: MediaError): void {
    const router = this.transport.router;
    if (error.code === 'internal') return router.fail(error);
    router.logger.warn({ [`${this.what}Id`]: this.id, err: error }, `${this.what} refused by the media worker`);
    this.release();
  }

  /** Posts `call` for this object to the worker. */
  protected abstract call(call: RemoteMediaCall): void;

  /** Drops this object from its transport's and worker's books. */
  protected abstract released(): void;
}

import type { MediaError } from '../errors';
import type { MediaLogger } from '../logger';
import { RouterBase } from '../RouterBase';
import type { RouterOptions, TransportOptions } from '../types';
import type { Endpoint, MediaWorker } from './MediaWorker';
import { RemoteTransport } from './RemoteTransport';

/**
 * A router that lives on a media worker. Every object it creates is created here at once (with
 * the checks the engine would make synchronously) and on the worker by a message, so no call
 * waits for the other thread.
 */
export class RemoteRouter extends RouterBase<RemoteTransport> implements Endpoint {
  readonly handle: number;

  constructor(
    id: string,
    readonly worker: MediaWorker,
    readonly logger: MediaLogger,
    private readonly options: RouterOptions,
    private readonly onGone: (router: RemoteRouter) => void,
  ) {
    super(id);
    this.handle = worker.handle(this);
    worker.routers.add(this);
    worker.post({ op: 'createRouter', router: this.handle, id });
  }

  /**
   * The router's media is gone (its worker died, or failed it): transports go 'failed', the
   * worker drops what it still has, and the owner hears it once.
   */
  fail(error: MediaError): void {
    if (this.closed) return;
    this.closed = true;
    this.logger.error({ router: this.id, worker: this.worker.slot, err: error }, 'router failed');
    for (const transport of [...this.transports]) transport.fail(error);
    this.released();
    try {
      this.options.onFailed?.(error);
    } catch (err) {
      this.logger.error({ err, router: this.id }, 'onFailed threw');
    }
  }

  /** The worker could not create this router. */
  failed(error: MediaError): void {
    this.fail(error);
  }

  protected override assertUsable(): void {
    const failure = this.worker.failure;
    if (failure) throw failure;
    super.assertUsable();
  }

  setActiveSpeaker(label: string | null): void {
    if (!this.closed) this.worker.post({ op: 'activeSpeaker', router: this.handle, label });
  }

  protected newTransport(options: TransportOptions): RemoteTransport {
    return new RemoteTransport(this, options);
  }

  protected released(): void {
    this.worker.post({ op: 'closeRouter', router: this.handle });
    this.worker.forget(this.handle);
    this.worker.routers.delete(this);
    this.onGone(this);
  }
}

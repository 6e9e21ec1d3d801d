import { MediaError } from '../errors';
import type { MediaLogger } from '../logger';
import type { Router, RouterOptions, Transport, TransportOptions } from '../types';
import type { Endpoint, MediaWorker } from './MediaWorker';
import { RemoteTransport } from './RemoteTransport';

/**
 * A router that lives on a media worker. Every object it creates is created here at once (with
 * the checks the engine would make synchronously) and on the worker by a message, so no call
 * waits for the other thread.
 */
export class RemoteRouter implements Router, Endpoint {
  readonly handle: number;
  private readonly transports = new Set<RemoteTransport>();
  private readonly producerIds = new Set<string>();
  private closed = false;

  constructor(
    readonly id: string,
    readonly worker: MediaWorker,
    readonly logger: MediaLogger,
    private readonly options: RouterOptions,
    private readonly onGone: (router: RemoteRouter) => void,
  ) {
    this.handle = worker.handle(this);
    worker.routers.add(this);
    worker.post({ op: 'createRouter', router: this.handle, id });
  }

  createTransport(options: TransportOptions): Transport {
    const failure = this.worker.failure;
    if (failure) throw failure;
    if (this.closed) throw MediaError.conflict(`router ${this.id} is closed`);
    if (options.role !== 'publish' && options.role !== 'subscribe') {
      throw MediaError.invalidArgument(`invalid transport role: ${String(options.role)}`);
    }
    if (typeof options.onSignal !== 'function') throw MediaError.invalidArgument('transport needs an onSignal callback');
    const transport = new RemoteTransport(this, options);
    this.transports.add(transport);
    return transport;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const transport of [...this.transports]) transport.close();
    this.worker.post({ op: 'closeRouter', router: this.handle });
    this.gone();
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
    this.worker.post({ op: 'closeRouter', router: this.handle });
    this.gone();
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

  claimProducerId(id: string): void {
    if (this.producerIds.has(id)) throw MediaError.conflict(`producer ${id} already exists in router ${this.id}`);
    this.producerIds.add(id);
  }

  releaseProducerId(id: string): void {
    this.producerIds.delete(id);
  }

  transportGone(transport: RemoteTransport): void {
    this.transports.delete(transport);
  }

  private gone(): void {
    this.worker.forget(this.handle);
    this.worker.routers.delete(this);
    this.onGone(this);
  }
}

import type { MediaError } from '../errors';
import type { MediaKind, Producer, ProducerOptions } from '../types';
import type { Endpoint } from './MediaWorker';
import type { RemoteConsumer } from './RemoteConsumer';
import type { RemoteTransport } from './RemoteTransport';

/** A producer on a media worker; consumers on the same worker refer to it by handle. */
export class RemoteProducer implements Producer, Endpoint {
  readonly id: string;
  readonly kind: MediaKind;
  readonly mid: string;
  readonly handle: number;
  readonly consumers = new Set<RemoteConsumer>();
  private _paused: boolean;
  private _closed = false;

  constructor(
    readonly transport: RemoteTransport,
    options: ProducerOptions,
  ) {
    this.id = options.id;
    this.kind = options.kind;
    this.mid = options.mid;
    this._paused = options.paused ?? false;
    const worker = transport.worker;
    this.handle = worker.handle(this);
    worker.producers++;
    worker.post({ op: 'produce', transport: transport.handle, producer: this.handle, id: this.id, kind: this.kind, mid: this.mid, paused: this._paused });
  }

  get paused(): boolean {
    return this._paused;
  }

  get closed(): boolean {
    return this._closed;
  }

  pause(): void {
    if (this._closed) return;
    this._paused = true;
    this.transport.worker.post({ op: 'producer', producer: this.handle, call: 'pause' });
  }

  resume(): void {
    if (this._closed || !this._paused) return;
    this._paused = false;
    this.transport.worker.post({ op: 'producer', producer: this.handle, call: 'resume' });
  }

  requestKeyFrame(): void {
    if (!this._closed) this.transport.worker.post({ op: 'producer', producer: this.handle, call: 'requestKeyFrame' });
  }

  close(): void {
    if (this._closed) return;
    this.release();
    this.transport.worker.post({ op: 'producer', producer: this.handle, call: 'close' });
  }

  /** Closed here, with its consumers, without telling the worker (it knows, or closes it itself). */
  release(): void {
    if (this._closed) return;
    this._closed = true;
    for (const consumer of [...this.consumers]) consumer.release();
    this.transport.producerGone(this);
    this.transport.router.releaseProducerId(this.id);
    this.transport.worker.producers--;
    this.transport.worker.forget(this.handle);
  }

  failed(error: MediaError): void {
    if (error.code === 'internal') return this.transport.router.fail(error);
    this.transport.router.logger.warn({ producerId: this.id, err: error }, 'producer refused by the media worker');
    this.release();
  }
}

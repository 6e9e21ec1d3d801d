import { randomUUID } from 'node:crypto';
import type { MediaError } from '../errors';
import type { Consumer, MediaKind } from '../types';
import type { Endpoint } from './MediaWorker';
import type { RemoteProducer } from './RemoteProducer';
import type { RemoteTransport } from './RemoteTransport';

/** A consumer on a media worker, of a producer on the same worker. */
export class RemoteConsumer implements Consumer, Endpoint {
  readonly id = randomUUID();
  readonly producerId: string;
  readonly kind: MediaKind;
  readonly handle: number;
  private _paused: boolean;
  private _closed = false;

  constructor(
    readonly transport: RemoteTransport,
    readonly producer: RemoteProducer,
    paused: boolean,
  ) {
    this.producerId = producer.id;
    this.kind = producer.kind;
    this._paused = paused;
    producer.consumers.add(this);
    const worker = transport.worker;
    this.handle = worker.handle(this);
    worker.consumers++;
    worker.post({ op: 'consume', transport: transport.handle, consumer: this.handle, producer: producer.handle, paused });
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
    this.transport.worker.post({ op: 'consumer', consumer: this.handle, call: 'pause' });
  }

  resume(): void {
    if (this._closed || !this._paused) return;
    this._paused = false;
    this.transport.worker.post({ op: 'consumer', consumer: this.handle, call: 'resume' });
  }

  close(): void {
    if (this._closed) return;
    this.release();
    this.transport.worker.post({ op: 'consumer', consumer: this.handle, call: 'close' });
  }

  /** Closed here without telling the worker (it knows, or closes it itself). */
  release(): void {
    if (this._closed) return;
    this._closed = true;
    this.producer.consumers.delete(this);
    this.transport.consumerGone(this);
    this.transport.worker.consumers--;
    this.transport.worker.forget(this.handle);
  }

  failed(error: MediaError): void {
    if (error.code === 'internal') return this.transport.router.fail(error);
    this.transport.router.logger.warn({ consumerId: this.id, err: error }, 'consumer refused by the media worker');
    this.release();
  }
}

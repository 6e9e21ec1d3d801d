import { randomUUID } from 'node:crypto';
import type { Consumer, MediaKind } from '../types';
import { RemoteMediaObject, type RemoteMediaCall } from './RemoteMediaObject';
import type { RemoteProducer } from './RemoteProducer';
import type { RemoteTransport } from './RemoteTransport';

/** A consumer on a media worker, of a producer on the same worker. */
export class RemoteConsumer extends RemoteMediaObject implements Consumer {
  readonly id = randomUUID();
  readonly producerId: string;
  readonly kind: MediaKind;
  protected readonly what = 'consumer';

  constructor(
    transport: RemoteTransport,
    readonly producer: RemoteProducer,
    paused: boolean,
  ) {
    super(transport, paused);
    this.producerId = producer.id;
    this.kind = producer.kind;
    producer.consumers.add(this);
    const worker = transport.worker;
    worker.consumers++;
    worker.post({ op: 'consume', transport: transport.handle, consumer: this.handle, producer: producer.handle, paused });
  }

  protected call(call: RemoteMediaCall): void {
    this.transport.worker.post({ op: 'consumer', consumer: this.handle, call });
  }

  protected released(): void {
    this.producer.consumers.delete(this);
    this.transport.consumerGone(this);
    this.transport.worker.consumers--;
  }
}

import { MediaError } from '../errors';
import type { MediaKind, Producer, ProducerOptions, RecordOptions, SubscribedLayer, TrackRecording } from '../types';
import type { RemoteConsumer } from './RemoteConsumer';
import { RemoteMediaObject, type RemoteMediaCall } from './RemoteMediaObject';
import { RemoteTrackRecording } from './RemoteTrackRecording';
import type { RemoteTransport } from './RemoteTransport';

/** A producer on a media worker; consumers on the same worker refer to it by handle. */
export class RemoteProducer extends RemoteMediaObject implements Producer {
  readonly id: string;
  readonly kind: MediaKind;
  readonly mid: string;
  readonly consumers = new Set<RemoteConsumer>();
  protected readonly what = 'producer';

  constructor(transport: RemoteTransport, options: ProducerOptions) {
    super(transport, options.paused ?? false);
    this.id = options.id;
    this.kind = options.kind;
    this.mid = options.mid;
    const worker = transport.worker;
    worker.producers++;
    this.onSubscribedLayers = options.onSubscribedLayers;
    const source = options.source;
    worker.post({ op: 'produce', transport: transport.handle, producer: this.handle, id: this.id, kind: this.kind, mid: this.mid, paused: this.paused, ...(source ? { source } : {}) });
  }

  private readonly onSubscribedLayers: ProducerOptions['onSubscribedLayers'];

  /** Dynacast from the worker. */
  subscribedLayers(layers: SubscribedLayer[]): void {
    if (this.closed) return;
    try {
      this.onSubscribedLayers?.(layers);
    } catch (err) {
      this.transport.router.logger.error({ err, producerId: this.id }, 'onSubscribedLayers threw');
    }
  }

  requestKeyFrame(): void {
    if (!this.closed) this.transport.worker.post({ op: 'producer', producer: this.handle, call: 'requestKeyFrame' });
  }

  record(options: RecordOptions): Promise<TrackRecording> {
    if (this.closed) return Promise.reject(MediaError.conflict('producer is closed'));
    return RemoteTrackRecording.start(this, options);
  }

  protected call(call: RemoteMediaCall): void {
    this.transport.worker.post({ op: 'producer', producer: this.handle, call });
  }

  /** Its consumers go with it. */
  protected released(): void {
    for (const consumer of [...this.consumers]) consumer.release();
    this.transport.producerGone(this);
    this.transport.router.releaseProducerId(this.id);
    this.transport.worker.producers--;
  }
}

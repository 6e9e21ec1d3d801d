import { randomUUID } from 'node:crypto';
import type { Consumer, ConsumeOptions, MediaKind, StreamState, TrackSettings } from '../types';
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
    private readonly options: ConsumeOptions = {},
  ) {
    const paused = options.paused ?? false;
    super(transport, paused);
    this.producerId = producer.id;
    this.kind = producer.kind;
    producer.consumers.add(this);
    const worker = transport.worker;
    worker.consumers++;
    worker.post({ op: 'consume', transport: transport.handle, consumer: this.handle, producer: producer.handle, paused });
  }

  setTrackSettings(settings: TrackSettings): void {
    if (this.closed) return;
    const { visible, width, height } = settings;
    this.transport.worker.post({ op: 'trackSettings', consumer: this.handle, visible, width: clampPixels(width), height: clampPixels(height) });
  }

  /** The allocator paused or resumed this video, on the worker. */
  streamState(state: StreamState): void {
    if (this.closed) return;
    try {
      this.options.onStreamState?.(state);
    } catch (err) {
      this.transport.router.logger.error({ err, consumerId: this.id }, 'onStreamState threw');
    }
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

function clampPixels(value: number): number {
  return Number.isFinite(value) ? Math.min(100_000, Math.max(0, Math.round(value))) : 0;
}

import { RouterBase } from '../RouterBase';
import type { RouterOptions, TransportOptions } from '../types';
import { AudioLevelReporter } from './AudioLevelReporter';
import type { SfuContext } from './SfuContext';
import type { SfuProducer } from './SfuProducer';
import { SfuPublishTransport } from './SfuPublishTransport';
import { SfuSubscribeTransport } from './SfuSubscribeTransport';
import type { SfuTransport, TransportOwner } from './SfuTransport';
import type { Tickable } from './Ticker';

/** One per room on the sfu engine. */
export class SfuRouter extends RouterBase<SfuTransport> implements TransportOwner, Tickable {
  private readonly audioLevels: AudioLevelReporter | null;

  constructor(
    id: string,
    private readonly ctx: SfuContext,
    private readonly onClose: (router: SfuRouter) => void,
    options: RouterOptions = {},
  ) {
    super(id);
    ctx.counters.routers++;
    const onLevels = options.onAudioLevels;
    this.audioLevels = onLevels ? new AudioLevelReporter((samples) => onLevels(samples)) : null;
    if (this.audioLevels !== null) ctx.ticker.add(this);
  }

  tick(nowMs: number): void {
    this.audioLevels?.tick(nowMs, this.audioProducers());
  }

  private *audioProducers(): Iterable<SfuProducer> {
    for (const transport of this.transports) if (transport instanceof SfuPublishTransport) yield* transport.audioProducers();
  }

  protected newTransport(options: TransportOptions): SfuTransport {
    return options.role === 'publish' ? new SfuPublishTransport(this, this.ctx, options) : new SfuSubscribeTransport(this, this.ctx, options);
  }

  protected released(): void {
    if (this.audioLevels !== null) this.ctx.ticker.delete(this);
    this.ctx.counters.routers--;
    this.onClose(this);
  }
}

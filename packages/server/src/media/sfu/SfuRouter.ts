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

  private activeSpeaker: string | null = null;

  setActiveSpeaker(label: string | null): void {
    this.activeSpeaker = label;
    for (const transport of this.transports) if (transport instanceof SfuSubscribeTransport) transport.setActiveSpeaker(label);
  }

  protected newTransport(options: TransportOptions): SfuTransport {
    if (options.role === 'publish') return new SfuPublishTransport(this, this.ctx, options);
    const transport = new SfuSubscribeTransport(this, this.ctx, options);
    transport.setActiveSpeaker(this.activeSpeaker);
    return transport;
  }

  protected released(): void {
    if (this.audioLevels !== null) this.ctx.ticker.delete(this);
    this.ctx.counters.routers--;
    this.onClose(this);
  }
}

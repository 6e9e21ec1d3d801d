import { RouterBase } from '../RouterBase';
import type { TransportOptions } from '../types';
import type { SfuContext } from './SfuContext';
import { SfuPublishTransport } from './SfuPublishTransport';
import { SfuSubscribeTransport } from './SfuSubscribeTransport';
import type { SfuTransport, TransportOwner } from './SfuTransport';

/** One per room on the sfu engine. */
export class SfuRouter extends RouterBase<SfuTransport> implements TransportOwner {
  constructor(
    id: string,
    private readonly ctx: SfuContext,
    private readonly onClose: (router: SfuRouter) => void,
  ) {
    super(id);
    ctx.counters.routers++;
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
    this.ctx.counters.routers--;
    this.onClose(this);
  }
}

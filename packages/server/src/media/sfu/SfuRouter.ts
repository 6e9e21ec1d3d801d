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

  protected newTransport(options: TransportOptions): SfuTransport {
    return options.role === 'publish' ? new SfuPublishTransport(this, this.ctx, options) : new SfuSubscribeTransport(this, this.ctx, options);
  }

  protected released(): void {
    this.ctx.counters.routers--;
    this.onClose(this);
  }
}

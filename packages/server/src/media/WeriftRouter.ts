import type { EngineContext } from './EngineContext';
import type { TransportOptions } from './types';
import { PublishTransport } from './PublishTransport';
import { RouterBase } from './RouterBase';
import { SubscribeTransport } from './SubscribeTransport';
import type { TransportOwner, WeriftTransport } from './WeriftTransport';

/** One per room on the werift engine. */
export class WeriftRouter extends RouterBase<WeriftTransport> implements TransportOwner {
  constructor(
    id: string,
    private readonly ctx: EngineContext,
    private readonly onClose: (router: WeriftRouter) => void,
  ) {
    super(id);
    ctx.counters.routers++;
  }

  /** The step-1 engine forwards every stream whole: there is no bandwidth to share by priority. */
  setActiveSpeaker(): void {}

  protected newTransport(options: TransportOptions): WeriftTransport {
    return options.role === 'publish' ? new PublishTransport(this, this.ctx, options) : new SubscribeTransport(this, this.ctx, options);
  }

  protected released(): void {
    this.ctx.counters.routers--;
    this.onClose(this);
  }
}

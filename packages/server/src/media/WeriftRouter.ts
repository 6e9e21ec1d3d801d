import type { EngineContext } from './EngineContext';
import { MediaError } from './errors';
import type { Router, Transport, TransportOptions } from './types';
import { PublishTransport } from './PublishTransport';
import { SubscribeTransport } from './SubscribeTransport';
import type { TransportOwner, WeriftTransport } from './WeriftTransport';

/** One per room: owns the room's transports and keeps producer ids unique within it. */
export class WeriftRouter implements Router, TransportOwner {
  private readonly transports = new Set<WeriftTransport>();
  private readonly producerIds = new Set<string>();
  private closed = false;

  constructor(
    readonly id: string,
    private readonly ctx: EngineContext,
    private readonly onClose: (router: WeriftRouter) => void,
  ) {
    ctx.counters.routers++;
  }

  createTransport(options: TransportOptions): Transport {
    if (this.closed) throw MediaError.conflict(`router ${this.id} is closed`);
    if (options.role !== 'publish' && options.role !== 'subscribe') {
      throw MediaError.invalidArgument(`invalid transport role: ${String(options.role)}`);
    }
    if (typeof options.onSignal !== 'function') throw MediaError.invalidArgument('transport needs an onSignal callback');
    const transport = options.role === 'publish' ? new PublishTransport(this, this.ctx, options) : new SubscribeTransport(this, this.ctx, options);
    this.transports.add(transport);
    return transport;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const transport of [...this.transports]) transport.close();
    this.ctx.counters.routers--;
    this.onClose(this);
  }

  claimProducerId(id: string): void {
    if (this.producerIds.has(id)) throw MediaError.conflict(`producer ${id} already exists in router ${this.id}`);
    this.producerIds.add(id);
  }

  releaseProducerId(id: string): void {
    this.producerIds.delete(id);
  }

  transportClosed(transport: WeriftTransport): void {
    this.transports.delete(transport);
  }
}

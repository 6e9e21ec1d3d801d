import { MediaError } from '../errors';
import type { Router, Transport, TransportOptions } from '../types';
import type { SfuContext } from './SfuContext';
import { SfuPublishTransport } from './SfuPublishTransport';
import { SfuSubscribeTransport } from './SfuSubscribeTransport';
import type { SfuTransport, TransportOwner } from './SfuTransport';

/** One per room: owns the room's transports and keeps producer ids unique within it. */
export class SfuRouter implements Router, TransportOwner {
  private readonly transports = new Set<SfuTransport>();
  private readonly producerIds = new Set<string>();
  private closed = false;

  constructor(
    readonly id: string,
    private readonly ctx: SfuContext,
    private readonly onClose: (router: SfuRouter) => void,
  ) {
    ctx.counters.routers++;
  }

  createTransport(options: TransportOptions): Transport {
    if (this.closed) throw MediaError.conflict(`router ${this.id} is closed`);
    if (options.role !== 'publish' && options.role !== 'subscribe') {
      throw MediaError.invalidArgument(`invalid transport role: ${String(options.role)}`);
    }
    if (typeof options.onSignal !== 'function') throw MediaError.invalidArgument('transport needs an onSignal callback');
    const transport =
      options.role === 'publish' ? new SfuPublishTransport(this, this.ctx, options) : new SfuSubscribeTransport(this, this.ctx, options);
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

  transportClosed(transport: SfuTransport): void {
    this.transports.delete(transport);
  }
}

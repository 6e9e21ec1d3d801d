import { MediaError } from './errors';
import type { Router, Transport, TransportOptions } from './types';

/**
 * What every router does alike (the engine's, and the worker proxy's on the main thread): it owns
 * the room's transports, keeps producer ids unique within the room, and closes once, taking its
 * transports with it. A subclass says how a transport is made and what closing releases.
 */
export abstract class RouterBase<T extends Transport> implements Router {
  protected readonly transports = new Set<T>();
  private readonly producerIds = new Set<string>();
  protected closed = false;

  constructor(readonly id: string) {}

  createTransport(options: TransportOptions): Transport {
    this.assertUsable();
    if (options.role !== 'publish' && options.role !== 'subscribe') {
      throw MediaError.invalidArgument(`invalid transport role: ${String(options.role)}`);
    }
    if (typeof options.onSignal !== 'function') throw MediaError.invalidArgument('transport needs an onSignal callback');
    const transport = this.newTransport(options);
    this.transports.add(transport);
    return transport;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const transport of [...this.transports]) transport.close();
    this.released();
  }

  claimProducerId(id: string): void {
    if (this.producerIds.has(id)) throw MediaError.conflict(`producer ${id} already exists in router ${this.id}`);
    this.producerIds.add(id);
  }

  releaseProducerId(id: string): void {
    this.producerIds.delete(id);
  }

  transportClosed(transport: T): void {
    this.transports.delete(transport);
  }

  /** Throws what createTransport() must refuse with before looking at its options. */
  protected assertUsable(): void {
    if (this.closed) throw MediaError.conflict(`router ${this.id} is closed`);
  }

  abstract setActiveSpeaker(label: string | null): void;

  /** A transport of the engine's for `options` (role and callback already checked). */
  protected abstract newTransport(options: TransportOptions): T;

  /** After close() closed every transport: release what the engine holds for this router. */
  protected abstract released(): void;
}

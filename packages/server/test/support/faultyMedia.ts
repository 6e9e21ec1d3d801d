import type { MediaEngine, Router, Transport } from '../../src/media/types';

/** A call the test makes throw, as a bug inside the media plane would. */
export type FaultyCall = 'createTransport' | 'produce' | 'applyOffer' | 'consume';

/**
 * The real engine, except that in the rooms a test names, the next `call` of a given kind throws a
 * TypeError, once per arming. Everything else, including other rooms, is the real engine.
 * Producers are never wrapped: transports check they are the engine's own.
 */
export class FaultyMedia implements MediaEngine {
  private readonly armed = new Map<string, FaultyCall>();
  /** Faults thrown so far. */
  fired = 0;

  constructor(private readonly engine: MediaEngine) {}

  /** The next `call` in room `room` throws. */
  arm(room: string, call: FaultyCall): void {
    this.armed.set(room, call);
  }

  createRouter(id: string): Router {
    const router = this.engine.createRouter(id);
    const room = id.slice(0, id.lastIndexOf('#')); // LocalDirectory names routers `<room>#<n>`
    return this.trap(router, room, (transport) => this.trap(transport as Transport, room));
  }

  stats() {
    return this.engine.stats();
  }

  close(): Promise<void> {
    return this.engine.close();
  }

  /** A proxy of `target` whose methods may throw the armed fault; `wrapResult` wraps what createTransport returns. */
  private trap<T extends object>(target: T, room: string, wrapResult?: (result: unknown) => unknown): T {
    return new Proxy(target, {
      get: (object, key) => {
        const value: unknown = Reflect.get(object, key, object);
        if (typeof value !== 'function') return value;
        return (...args: unknown[]) => {
          if (this.armed.get(room) === key) {
            this.armed.delete(room);
            this.fired++;
            throw new TypeError(`injected fault: ${String(key)} in room ${room}`);
          }
          const result: unknown = value.apply(object, args);
          return key === 'createTransport' && wrapResult ? wrapResult(result) : result;
        };
      },
    });
  }
}

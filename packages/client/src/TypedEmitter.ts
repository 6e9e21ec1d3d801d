/** An event name → listener arguments map, e.g. `{ joined: [participant: RemoteParticipant] }`. */
export type EventMap = { [event: string]: unknown[] };

export type Listener<Args extends unknown[]> = (...args: Args) => void;

type AnyListener = (...args: unknown[]) => void;

interface Registration {
  readonly listener: AnyListener;
  readonly once: boolean;
}

/**
 * A small typed event emitter that works in browsers and Node. `safeEmit` calls every listener
 * even when one throws (after mediasoup's EnhancedEventEmitter); the error goes to
 * `onListenerError`.
 */
export class TypedEmitter<Events extends { [K in keyof Events]: unknown[] }> {
  private readonly listeners = new Map<keyof Events, Registration[]>();

  on<K extends keyof Events>(event: K, listener: Listener<Events[K]>): this {
    return this.add(event, listener, false);
  }

  once<K extends keyof Events>(event: K, listener: Listener<Events[K]>): this {
    return this.add(event, listener, true);
  }

  /** Removes one registration of `listener` (also one added with `once`). */
  off<K extends keyof Events>(event: K, listener: Listener<Events[K]>): this {
    const list = this.listeners.get(event);
    if (!list) return this;
    const index = list.findIndex((r) => r.listener === (listener as unknown as AnyListener));
    if (index >= 0) list.splice(index, 1);
    if (list.length === 0) this.listeners.delete(event);
    return this;
  }

  removeAllListeners(event?: keyof Events): this {
    if (event === undefined) this.listeners.clear();
    else this.listeners.delete(event);
    return this;
  }

  listenerCount(event: keyof Events): number {
    return this.listeners.get(event)?.length ?? 0;
  }

  /** Calls every listener of `event` in order; returns whether there were any. Never throws. */
  protected safeEmit<K extends keyof Events>(event: K, ...args: Events[K]): boolean {
    const list = this.listeners.get(event);
    if (!list || list.length === 0) return false;
    for (const registration of [...list]) {
      if (registration.once) this.remove(event, registration);
      try {
        registration.listener(...args);
      } catch (error) {
        this.onListenerError(String(event), error);
      }
    }
    return true;
  }

  /** Where errors thrown by listeners go; override to route them elsewhere. */
  protected onListenerError(event: string, error: unknown): void {
    console.error(`[confab] a "${event}" listener threw`, error);
  }

  private add<K extends keyof Events>(event: K, listener: Listener<Events[K]>, once: boolean): this {
    const list = this.listeners.get(event) ?? [];
    list.push({ listener: listener as unknown as AnyListener, once });
    this.listeners.set(event, list);
    return this;
  }

  private remove(event: keyof Events, registration: Registration): void {
    const list = this.listeners.get(event);
    if (!list) return;
    const index = list.indexOf(registration);
    if (index >= 0) list.splice(index, 1);
    if (list.length === 0) this.listeners.delete(event);
  }
}

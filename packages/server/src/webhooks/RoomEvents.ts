import type { WebhookEvent } from '@confab/protocol';

/**
 * Where a room's events go (webhooks). The room builds each event whole, on its queue, numbering
 * them per room sid, so they come out in the order things happened; whoever implements this
 * delivers them in that order, each once.
 */
export interface RoomEvents {
  emit(event: WebhookEvent): void;
  /**
   * The room of life `sid` is moving to another node: nothing more is delivered for it from here
   * once the posts in flight have ended. Resolves with what is still undelivered, oldest first, for
   * the snapshot (the new node adopts them).
   */
  handOver(sid: string): Promise<WebhookEvent[]>;
  /** On the room's new node: these go out before anything emitted later for the same sid. */
  adopt(events: readonly WebhookEvent[]): void;
  /** The node stops: deliveries in flight get a short grace. */
  close(): Promise<void>;
}

/** No CONFAB_WEBHOOK_URLS: events go nowhere. */
export const NO_ROOM_EVENTS: RoomEvents = {
  emit() {},
  handOver: async () => [],
  adopt() {},
  close: async () => {},
};

import type { Redis } from 'ioredis';
import type { Logger } from '../../service/logger';
import type { ClusterStore } from './ClusterStore';
import { relayChannel } from './keys';
import { nodeOf, type NodeId, type NodeInstance } from './nodeIds';
import { relayFrame, type RelayItem } from './relayMessages';

type Delivery = (delivered: boolean) => void;

/**
 * Pub/sub between nodes: one channel per node. Items for one node within one turn of the event loop
 * go out as one frame (one PUBLISH), in order; Redis keeps a publisher's order on a channel. (A turn,
 * not a microtask: a join's `joined` and its admission, a few promise hops apart, share one frame.)
 * Whether a frame arrived is known only as far as Redis says someone listened.
 */
export class RelayBus {
  private readonly outbox = new Map<NodeId, { items: RelayItem[]; deliveries: Delivery[] }>();

  constructor(
    private readonly store: ClusterStore,
    private readonly subscriber: Redis,
    private readonly logger: Logger,
  ) {}

  /** Starts listening on this node's channel; `receive` gets every valid frame's items. */
  async listen(receive: (from: NodeInstance, items: RelayItem[]) => void): Promise<void> {
    const channel = relayChannel(this.store.id);
    this.subscriber.on('message', (on: string, payload: string) => {
      if (on !== channel) return;
      let json: unknown;
      try {
        json = JSON.parse(payload);
      } catch {
        json = undefined;
      }
      const frame = relayFrame.safeParse(json);
      if (!frame.success) {
        this.logger.warn({ issue: frame.error.issues[0]?.message, bytes: payload.length }, 'relay: dropped an invalid frame');
        return;
      }
      receive(frame.data.from as NodeInstance, frame.data.items);
    });
    await this.subscriber.subscribe(channel);
  }

  /** Queues `item` for the node of instance `to`; resolves whether its frame reached a listener. */
  post(to: NodeInstance, item: RelayItem): Promise<boolean> {
    const node = nodeOf(to);
    return new Promise((resolve) => {
      let batch = this.outbox.get(node);
      if (!batch) {
        batch = { items: [], deliveries: [] };
        this.outbox.set(node, batch);
        setImmediate(() => this.flush(node));
      }
      batch.items.push(item);
      batch.deliveries.push(resolve);
    });
  }

  private flush(node: NodeId): void {
    const batch = this.outbox.get(node);
    if (!batch) return;
    this.outbox.delete(node);
    const payload = JSON.stringify({ from: this.store.instance, items: batch.items });
    this.store.publish(relayChannel(node), payload).then(
      (listeners) => {
        for (const delivered of batch.deliveries) delivered(listeners > 0);
      },
      (error: unknown) => {
        this.logger.debug({ err: (error as Error).message, to: node }, 'relay: publish failed');
        for (const delivered of batch.deliveries) delivered(false);
      },
    );
  }
}

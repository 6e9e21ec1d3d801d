import type { ServerMessage } from '@confab/protocol';
import type { Redis } from 'ioredis';
import type { Logger } from '../../service/logger';
import type { ClusterStore } from './ClusterStore';
import { relayChannel } from './keys';
import { nodeOf, type NodeId, type NodeInstance } from './nodeIds';
import { relayFrames } from './relayFraming';
import { relayFrame, type RelayItem } from './relayMessages';
import { RelayOutbox } from './relayOutbox';

/**
 * Pub/sub between nodes: one channel per node. Items for one node within one turn of the event loop
 * go out together, in order: as one frame (one PUBLISH), or a few when there are very many
 * (relayFraming.ts); Redis keeps a publisher's order on a channel. A message sent to many sockets of
 * one node within the turn goes once, naming them all (relayOutbox.ts). (A turn, not a microtask: a
 * join's `joined` and its admission, a few promise hops apart, share one frame.)
 * Whether a frame arrived is known only as far as Redis says someone listened.
 */
export class RelayBus {
  private readonly outbox = new Map<NodeId, RelayOutbox>();

  constructor(
    private readonly store: ClusterStore,
    private readonly subscriber: Redis,
    private readonly logger: Logger,
  ) {}

  /**
   * Starts listening on this node's channel; `receive` gets every valid frame's items. Frames are
   * handled one per turn of the event loop: a burst read in one go (hundreds of frames from a big
   * room) would otherwise hold the loop for seconds, and this node's clients would seem silent.
   */
  async listen(receive: (from: NodeInstance, items: RelayItem[]) => void): Promise<void> {
    const channel = relayChannel(this.store.id);
    const inbox: string[] = [];
    const handleNext = () => {
      const payload = inbox.shift();
      if (payload === undefined) return;
      if (inbox.length > 0) setImmediate(handleNext);
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
    };
    this.subscriber.on('message', (on: string, payload: string) => {
      if (on !== channel) return;
      if (inbox.push(payload) === 1) setImmediate(handleNext);
    });
    await this.subscriber.subscribe(channel);
  }

  /** Queues `item` for the node of instance `to`; resolves whether its frame reached a listener. */
  post(to: NodeInstance, item: Exclude<RelayItem, { kind: 'message' }>): Promise<boolean> {
    return new Promise((resolve) => this.batch(to).add(item, resolve));
  }

  /**
   * Queues `message` for the socket `link` on the node of instance `to` (`seq` and `n`: see
   * relayMessages.ts); resolves whether its frame reached a listener.
   */
  postMessage(to: NodeInstance, link: string, message: ServerMessage, seq: number | undefined, n: number | undefined): Promise<boolean> {
    return new Promise((resolve) => this.batch(to).addMessage(link, message, seq, n, resolve));
  }

  private batch(to: NodeInstance): RelayOutbox {
    const node = nodeOf(to);
    let batch = this.outbox.get(node);
    if (!batch) {
      batch = new RelayOutbox();
      this.outbox.set(node, batch);
      setImmediate(() => this.flush(node));
    }
    return batch;
  }

  private flush(node: NodeId): void {
    const batch = this.outbox.get(node);
    if (!batch) return;
    this.outbox.delete(node);
    const { items, deliveries } = batch.contents();
    // One PUBLISH per frame, in order on our one connection; a big batch is split (relayFraming.ts).
    let first = 0;
    for (const frame of relayFrames(this.store.instance, items)) {
      const told = deliveries.slice(first, (first += frame.items)).flat();
      this.store.publish(relayChannel(node), frame.payload).then(
        (listeners) => {
          for (const delivered of told) delivered(listeners > 0);
        },
        (error: unknown) => {
          this.logger.debug({ err: (error as Error).message, to: node }, 'relay: publish failed');
          for (const delivered of told) delivered(false);
        },
      );
    }
  }
}

import { encodeMessage, type ServerMessage } from '@confab/protocol';
import { MESSAGE_MAX_LINKS, type RelayItem, type RelayItemOf, type RelayTarget } from './relayMessages';

/** Told whether the frame carrying an item reached a listener. */
export type Delivery = (delivered: boolean) => void;

/** A server message gathering the sockets it is for; `at` is its place among the outbox's items. */
interface Fanout {
  readonly message: ServerMessage;
  readonly item: RelayItemOf<'message'>;
  readonly at: number;
}

/**
 * What this node has for one other node within one turn of its event loop, in order. A room's
 * broadcast hands the same message object to every member's session: for that node's members it
 * travels once, with the list of their links, not once per socket (a 1,000-member room would
 * otherwise put ~1,000 copies of each notice through Redis). Each link's items keep their order:
 * a message joins an earlier copy's list only if nothing else for that link was queued since.
 */
export class RelayOutbox {
  private readonly items: RelayItem[] = [];
  /** Per item, the deliveries of what it carries (one per link for a message). */
  private readonly deliveries: Delivery[][] = [];
  /** The latest item of each server message object. */
  private readonly fanouts = new Map<ServerMessage, Fanout>();
  /** Per link, the place of its latest item. */
  private readonly latest = new Map<string, number>();

  get size(): number {
    return this.items.length;
  }

  add(item: Exclude<RelayItem, { kind: 'message' }>, delivery: Delivery): void {
    if ('link' in item) this.latest.set(item.link, this.items.length);
    this.items.push(item);
    this.deliveries.push([delivery]);
  }

  /** `message` for `link`, with its `seq` there (if sequenced) and `n` (if it matters). */
  addMessage(link: string, message: ServerMessage, seq: number | undefined, n: number | undefined, delivery: Delivery): void {
    let fanout = this.fanouts.get(message);
    if (!fanout || fanout.item.to.length >= MESSAGE_MAX_LINKS || (this.latest.get(link) ?? -1) >= fanout.at) {
      // Encoded now, as a socket's link would: what the room sent, even if the object changes later.
      fanout = { message, item: { kind: 'message', data: encodeMessage(message), to: [] }, at: this.items.length };
      this.fanouts.set(message, fanout);
      this.items.push(fanout.item);
      this.deliveries.push([]);
    }
    const target: RelayTarget = { link };
    if (seq !== undefined) target.seq = seq;
    if (n !== undefined) target.n = n;
    fanout.item.to.push(target);
    this.deliveries[fanout.at]!.push(delivery);
    this.latest.set(link, fanout.at);
  }

  /** The items in order, and per item the deliveries of what it carries. */
  contents(): { items: readonly RelayItem[]; deliveries: readonly Delivery[][] } {
    return { items: this.items, deliveries: this.deliveries };
  }
}

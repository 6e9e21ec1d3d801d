import type { MessageOf, ServerMessage } from '@confab/protocol';
import { updateSenderParameters } from './senderParameters';

type SubscribedLayers = MessageOf<ServerMessage, 'subscribed_layers'>;
export type DynacastSource = SubscribedLayers['source'];

/**
 * Dynacast, publisher side: switches simulcast encodings on and off as the server's
 * `subscribed_layers` says, so layers nobody receives stop leaving this browser. The latest word
 * per source is kept, because it may arrive before the track's publish has finished, and is
 * applied when the sender is bound. Encodings the message does not name are left alone.
 */
export class Dynacast {
  private readonly wanted = new Map<DynacastSource, ReadonlyMap<string, boolean>>();
  private readonly senders = new Map<DynacastSource, RTCRtpSender>();

  constructor(private readonly onError: (error: unknown) => void) {}

  /** The server's `subscribed_layers`. Resolves when applied (or at once if no sender is bound yet). */
  setSubscribedLayers(message: Pick<SubscribedLayers, 'source' | 'layers'>): Promise<void> {
    this.wanted.set(message.source, new Map(message.layers.map((l) => [l.rid, l.active])));
    return this.apply(message.source);
  }

  /** `source` is now sent by `sender` (published, or republished after a rejoin). */
  bind(source: DynacastSource, sender: RTCRtpSender): Promise<void> {
    this.senders.set(source, sender);
    return this.apply(source);
  }

  /** `source` was unpublished: what the server said about it no longer holds. */
  unbind(source: DynacastSource): void {
    this.senders.delete(source);
    this.wanted.delete(source);
  }

  /** A full rejoin: the new session's server will say afresh; until then every layer is on. */
  reset(): void {
    this.wanted.clear();
  }

  private apply(source: DynacastSource): Promise<void> {
    const sender = this.senders.get(source);
    if (!sender) return Promise.resolve();
    return updateSenderParameters(sender, (parameters) => {
      // Read at run time, not at call time: the latest word wins even if several queued up.
      const wanted = this.senders.get(source) === sender ? this.wanted.get(source) : undefined;
      if (!wanted) return false;
      let changed = false;
      for (const encoding of parameters.encodings) {
        const active = encoding.rid === undefined ? undefined : wanted.get(encoding.rid);
        if (active === undefined || (encoding.active ?? true) === active) continue;
        encoding.active = active;
        changed = true;
      }
      return changed;
    }).then(
      () => undefined,
      (error: unknown) => this.onError(error),
    );
  }
}

import type { StunRequestHandler } from './IcePath';

/**
 * Local ICE ufrag -> the endpoint that owns it, shared by the UDP and TCP muxes of one worker:
 * a Binding request is routed by the first half of its USERNAME ("ours:theirs").
 */
export class IceRegistry {
  private readonly byUfrag = new Map<string, StunRequestHandler>();

  has(ufrag: string): boolean {
    return this.byUfrag.has(ufrag);
  }

  register(ufrag: string, handler: StunRequestHandler): void {
    const existing = this.byUfrag.get(ufrag);
    if (existing !== undefined && existing !== handler) throw new Error(`ICE ufrag ${ufrag} is taken`);
    this.byUfrag.set(ufrag, handler);
  }

  /** Removes the entry only if `handler` still owns it. */
  unregister(ufrag: string, handler: StunRequestHandler): void {
    if (this.byUfrag.get(ufrag) === handler) this.byUfrag.delete(ufrag);
  }

  /** The handler for a USERNAME attribute "localUfrag:remoteUfrag", if any. */
  lookupUsername(username: string): StunRequestHandler | undefined {
    const colon = username.indexOf(':');
    return colon > 0 ? this.byUfrag.get(username.slice(0, colon)) : undefined;
  }
}

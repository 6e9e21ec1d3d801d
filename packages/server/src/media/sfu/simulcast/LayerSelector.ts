/** What LayerSelector.accept() says about one packet. */
export const enum LayerDecision {
  Drop = 0,
  Forward = 1,
  /** Forward, and it starts the new layer: the outgoing stream starts a new segment here. */
  Switch = 2,
}

/**
 * The DownTrack decision for one consumer: which of the producer's layers goes out now
 * (`current`), which one the allocator wants (`target`), and when to move. A simulcast switch
 * happens only at a key frame of the target layer (the receiver could not decode anything else);
 * until it comes the current layer keeps flowing. A plain stream (one layer) switches at once.
 * -1 means nothing: paused by the allocator, hidden, or not started.
 */
export class LayerSelector {
  current = -1;
  target = -1;
  /**
   * While nothing flows (current -1): a lower layer that is being sent now, taken at its key frame
   * so a tile that becomes visible shows video at once, while the target (maybe just switched on
   * at the publisher) is still on its way. -1: none.
   */
  fallback = -1;
  /** When the target last changed, for how long a switch has been waiting. */
  targetSetAtMs = 0;

  constructor(private readonly layerCount: () => number) {}

  /** True while a switch waits for the target layer's key frame. */
  get switching(): boolean {
    return this.target >= 0 && this.target !== this.current;
  }

  /**
   * The allocator's choice. Stopping is immediate (no bytes for a hidden tile); a single-layer
   * stream starts at once (the caller asks for a key frame), a simulcast layer at its key frame.
   */
  setTarget(layer: number, nowMs: number): boolean {
    if (layer === this.target) return false;
    this.target = layer;
    this.targetSetAtMs = nowMs;
    if (layer < 0) this.current = -1;
    else if (this.layerCount() <= 1) this.current = layer;
    return true;
  }

  /** Nothing flows until the target's key frame (or a fallback's): the link cannot carry the current layer. */
  stopCurrent(): void {
    if (this.current !== this.target) this.current = -1;
  }

  /**
   * The source fell silent and sends again (a network outage at the publisher): the receiver never
   * got what it sent meanwhile, so nothing flows until a key frame of the target, which starts the
   * outgoing stream anew as a switch does (no gap in sequence numbers or picture ids for the
   * receiver to wait on: measured, Chromium decoded the first key frame after such a gap and then
   * nothing, key frames included, until its own request 3 s later).
   */
  restartAtKeyFrame(): void {
    this.current = -1;
  }

  /** Per packet of `layer` (`keyFrame`: it starts a key frame). Allocates nothing. */
  accept(layer: number, keyFrame: boolean): LayerDecision {
    if (layer === this.current) return LayerDecision.Forward;
    if (keyFrame && (layer === this.target || (this.current < 0 && layer === this.fallback))) {
      this.current = layer;
      return LayerDecision.Switch;
    }
    return LayerDecision.Drop;
  }

  /** The producer lost layers (renegotiated): forget ones that no longer exist. */
  clamp(): void {
    const count = this.layerCount();
    if (this.current >= count) this.current = -1;
    if (this.fallback >= count) this.fallback = -1;
    if (this.target >= count) this.target = count - 1;
  }
}

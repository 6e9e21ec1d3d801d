/** A layer nobody needs is switched off at the publisher only after this long (against flapping). */
export const DYNACAST_OFF_DELAY_MS = 3000;

/**
 * Which simulcast layers a publisher should send: the ones some consumer needs (receives, is
 * switching to, or has a tile drawn for). A layer becomes needed -> on at once; unneeded -> off once it has stayed unneeded for
 * `offDelayMs`. Starts with every layer on (that is how the publisher starts). Pure logic: the
 * caller passes the needed layers as a bit mask, and tells the publisher when update() says so.
 */
export class Dynacast {
  /** What the publisher was last told (or starts with): on per layer. */
  readonly published: boolean[];
  private readonly lastNeededMs: number[];

  constructor(
    readonly layerCount: number,
    nowMs: number,
    private readonly offDelayMs = DYNACAST_OFF_DELAY_MS,
  ) {
    this.published = new Array<boolean>(layerCount).fill(true);
    this.lastNeededMs = new Array<number>(layerCount).fill(nowMs);
  }

  /** `needed` bit i: layer i is received or targeted by someone. True if `published` changed. */
  update(needed: number, nowMs: number): boolean {
    let changed = false;
    for (let i = 0; i < this.layerCount; i++) {
      if ((needed & (1 << i)) !== 0) {
        this.lastNeededMs[i] = nowMs;
        if (!this.published[i]) {
          this.published[i] = true;
          changed = true;
        }
      } else if (this.published[i] && nowMs - this.lastNeededMs[i]! >= this.offDelayMs) {
        this.published[i] = false;
        changed = true;
      }
    }
    return changed;
  }
}

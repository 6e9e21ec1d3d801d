/**
 * Throttles keyframe requests to a publisher: every subscriber that joins, resumes or loses a
 * picture asks, and one keyframe serves them all. A request inside the quiet interval is not
 * dropped but deferred to its end, so the last asker (often a subscriber whose DTLS just came up)
 * still gets a keyframe after it became able to receive one.
 */
export class KeyFrameRequester {
  private last = Number.NEGATIVE_INFINITY;
  private timer: NodeJS.Timeout | undefined = undefined;
  private closed = false;

  constructor(
    private readonly minIntervalMs: number,
    private readonly send: () => void,
  ) {}

  request(): void {
    if (this.closed || this.timer) return;
    const wait = this.last + this.minIntervalMs - Date.now();
    if (wait <= 0) this.fire();
    else this.timer = setTimeout(this.fire, wait).unref();
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private readonly fire = (): void => {
    this.timer = undefined;
    if (this.closed) return;
    this.last = Date.now();
    this.send();
  };
}

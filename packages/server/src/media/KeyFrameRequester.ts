import { KeyFrameRequestMerger } from '@confab/wire';

/**
 * KeyFrameRequestMerger on a timer, for the werift engine (the sfu engine polls on its own tick):
 * every subscriber that joins, resumes or loses a picture asks, and one key frame serves them all;
 * a request inside the quiet interval is deferred to its end, not dropped, so the last asker
 * (often a subscriber whose DTLS just came up) still gets a key frame after it became able to
 * receive one; an unanswered request is repeated.
 */
export class KeyFrameRequester {
  private readonly merger: KeyFrameRequestMerger;
  private timer: NodeJS.Timeout | undefined = undefined;
  private timerAt = Infinity;
  private closed = false;

  constructor(
    minIntervalMs: number,
    private readonly send: () => void,
  ) {
    this.merger = new KeyFrameRequestMerger(minIntervalMs);
  }

  get awaitingKeyFrame(): boolean {
    return this.merger.awaitingKeyFrame;
  }

  request(): void {
    if (this.closed) return;
    if (this.merger.request(performance.now())) this.send();
    this.schedule();
  }

  keyFrameReceived(): void {
    this.merger.keyFrameReceived();
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** One timer, at the merger's next due time; moved earlier when a held request makes it so. */
  private schedule(): void {
    const at = this.merger.nextPollMs;
    if (at >= this.timerAt) return;
    if (this.timer) clearTimeout(this.timer);
    this.timerAt = at;
    this.timer = setTimeout(this.poll, Math.max(0, at - performance.now())).unref();
  }

  private readonly poll = (): void => {
    this.timer = undefined;
    this.timerAt = Infinity;
    if (this.closed) return;
    if (this.merger.poll(performance.now())) this.send();
    this.schedule();
  };
}

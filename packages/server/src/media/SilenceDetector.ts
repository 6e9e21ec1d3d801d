/**
 * Tells when something heard regularly (a publisher's RTP, a subscriber's RTCP) is heard again
 * after a silence: a network path that came back. Whatever the receiver got meanwhile refers to
 * frames it never saw, and the browser only asks for a key frame on its own timer (about 3 s), so
 * the server asks at once.
 */
export class SilenceDetector {
  private lastMs = Number.NaN;

  constructor(private readonly silenceMs: number) {}

  /** Records a sighting at `nowMs` (monotonic ms); true if the one before was more than `silenceMs` earlier. */
  heard(nowMs: number): boolean {
    const back = nowMs - this.lastMs > this.silenceMs; // false for the first sighting (NaN)
    this.lastMs = nowMs;
    return back;
  }
}

/** A publisher's video arrives many times a second; a second without it is a cut (or a mute). */
export const PUBLISHER_SILENCE_MS = 1000;
/**
 * A subscriber's RTCP arrives at least every 1.5 s (Chrome's 1 s report interval, randomized by up
 * to half); shorter cuts are repaired by NACK from the packet cache.
 */
export const SUBSCRIBER_SILENCE_MS = 2000;

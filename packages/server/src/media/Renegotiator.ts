import type { MediaLogger } from './logger';

/**
 * Decides when a subscribe transport sends a new offer. Every consume/close in the same turn of
 * the event loop lands in one offer; while an offer waits for its answer, further changes wait
 * too and go out together right after the answer (one offer in flight, so no glare).
 */
export class Renegotiator {
  private dirty = false;
  private scheduled = false;
  private _awaitingAnswer = false;
  private closed = false;

  constructor(
    /** Creates, applies and signals one offer. */
    private readonly negotiate: () => Promise<void>,
    private readonly logger: MediaLogger,
  ) {}

  get awaitingAnswer(): boolean {
    return this._awaitingAnswer;
  }

  request(): void {
    this.dirty = true;
    this.kick();
  }

  /** The answer to the outstanding offer was applied. */
  answered(): void {
    this._awaitingAnswer = false;
    this.kick();
  }

  /** Offer again now even if the last offer is unanswered (its answer, if one comes, is refused as stale). */
  supersede(): void {
    this._awaitingAnswer = false;
    this.request();
  }

  close(): void {
    this.closed = true;
  }

  private kick(): void {
    if (this.closed || this.scheduled || this._awaitingAnswer || !this.dirty) return;
    this.scheduled = true;
    setImmediate(this.run);
  }

  private readonly run = (): void => {
    this.scheduled = false;
    if (this.closed || this._awaitingAnswer || !this.dirty) return;
    this.dirty = false;
    this._awaitingAnswer = true;
    this.negotiate().catch((err: unknown) => {
      // No offer went out, so no answer will come; the next change tries again.
      this._awaitingAnswer = false;
      if (!this.closed) this.logger.error({ err }, 'subscriber renegotiation failed');
    });
  };
}

import { randomUUID } from 'node:crypto';
import { MediaError } from './errors';
import type { MediaLogger } from './logger';
import type {
  ConsumeOptions,
  Consumer,
  IceCandidateInit,
  Producer,
  ProducerOptions,
  Transport,
  TransportOptions,
  TransportRole,
  TransportSignal,
  TransportState,
  TransportStats,
} from './types';

/**
 * What every transport does alike, whichever role it has: identity and role,
 * the state the owner is told about, one-at-a-time SDP work, signaling out, and a clear error
 * for a method of the other role. Each role overrides its own methods.
 */
export abstract class TransportBase implements Transport {
  readonly id = randomUUID();
  readonly role: TransportRole;
  readonly label: string;
  protected closed = false;
  private currentState: TransportState = 'new';
  /** SDP work runs one operation at a time, in call order. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly options: TransportOptions,
    protected readonly logger: MediaLogger,
  ) {
    this.role = options.role;
    this.label = options.label;
  }

  get state(): TransportState {
    return this.currentState;
  }

  get connected(): boolean {
    return this.currentState === 'connected';
  }

  async applyOffer(_sdp: string): Promise<void> {
    throw this.wrongRole('applyOffer');
  }

  async applyAnswer(_sdp: string): Promise<void> {
    throw this.wrongRole('applyAnswer');
  }

  produce(_options: ProducerOptions): Producer {
    throw this.wrongRole('produce');
  }

  consume(_producer: Producer, _options?: ConsumeOptions): Consumer {
    throw this.wrongRole('consume');
  }

  restartIce(): void {
    // publish role: the client's next offer carries new credentials.
  }

  abstract addRemoteCandidate(candidate: IceCandidateInit | null): Promise<void>;

  abstract close(): void;

  protected serial<T>(operation: () => Promise<T>): Promise<T> {
    const run = this.queue.then(operation);
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Settles when the SDP operations queued so far have. */
  protected get idle(): Promise<unknown> {
    return this.queue;
  }

  protected emit(signal: TransportSignal): void {
    if (this.closed) return;
    try {
      this.options.onSignal(signal);
    } catch (err) {
      this.logger.error({ err, transport: this.label }, 'onSignal threw');
    }
  }

  /** Reports the link's statistics to the owner (connection quality). */
  protected emitStats(stats: TransportStats): void {
    if (this.closed || this.options.onStats === undefined) return;
    try {
      this.options.onStats(stats);
    } catch (err) {
      this.logger.error({ err, transport: this.label }, 'onStats threw');
    }
  }

  protected assertOpen(): void {
    if (this.closed) throw MediaError.conflict('transport is closed');
  }

  /** What produce() checks on every transport: open, a usable id, kind and mid, and a mid without a producer yet. */
  protected checkProduce(options: ProducerOptions, midTaken: (mid: string) => boolean): void {
    this.assertOpen();
    const { id, kind, mid } = options;
    if (typeof id !== 'string' || id === '') throw MediaError.invalidArgument('producer id must be a non-empty string');
    if (kind !== 'audio' && kind !== 'video') throw MediaError.invalidArgument(`invalid producer kind: ${String(kind)}`);
    if (typeof mid !== 'string' || mid === '') throw MediaError.invalidArgument('producer mid must be a non-empty string');
    if (midTaken(mid)) throw MediaError.conflict(`mid ${mid} already carries a producer`);
  }

  /** False if nothing changed (same state, or already closed); else the owner is told. */
  protected setState(state: TransportState): boolean {
    if (this.currentState === state || this.currentState === 'closed') return false;
    this.currentState = state;
    try {
      this.options.onStateChange?.(state);
    } catch (err) {
      this.logger.error({ err, transport: this.label }, 'onStateChange threw');
    }
    return true;
  }

  private wrongRole(what: string): MediaError {
    return MediaError.conflict(`${what} is not available on a ${this.role} transport`);
  }
}

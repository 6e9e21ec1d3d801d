import { randomUUID } from 'node:crypto';
import { RTCPeerConnection } from 'werift';
import type { EngineContext } from './EngineContext';
import { MediaError } from './errors';
import { IceTrickle } from './IceTrickle';
import { guarded, type MediaLogger } from './logger';
import type {
  Consumer,
  IceCandidateInit,
  Producer,
  ProducerOptions,
  Transport,
  TransportOptions,
  TransportRole,
  TransportSignal,
  TransportState,
} from './types';

/** What a transport needs from its router. */
export interface TransportOwner {
  claimProducerId(id: string): void;
  releaseProducerId(id: string): void;
  transportClosed(transport: WeriftTransport): void;
}

/** How long close() lets an SDP operation in progress finish before closing the peer connection. */
const CLOSE_GRACE_MS = 2000;

/**
 * One participant's werift peer connection for one direction (LiveKit style: two per participant,
 * each with one fixed offerer, so offers never cross). This base owns what both roles share:
 * the connection's life and state, trickle ICE, one-at-a-time SDP work, and signaling out.
 * PublishTransport and SubscribeTransport add the role.
 */
export abstract class WeriftTransport implements Transport {
  readonly id = randomUUID();
  readonly role: TransportRole;
  readonly label: string;
  protected readonly pc: RTCPeerConnection;
  protected readonly logger: MediaLogger;
  protected closed = false;
  private _state: TransportState = 'new';
  private readonly ice: IceTrickle;
  private readonly releasePorts: () => void;
  /** SDP work runs one operation at a time, in call order. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    protected readonly owner: TransportOwner,
    protected readonly ctx: EngineContext,
    private readonly options: TransportOptions,
  ) {
    this.role = options.role;
    this.label = options.label;
    this.logger = ctx.logger;
    const { config, release } = ctx.peerConfig(options.role);
    this.releasePorts = release;
    try {
      this.pc = new RTCPeerConnection(config);
    } catch (err) {
      release();
      throw err;
    }
    ctx.counters.transports++;
    this.ice = new IceTrickle(this.pc, (candidate) => this.emit({ type: 'candidate', candidate }), this.logger, this.label);
    this.pc.onIceCandidate.subscribe(guarded(this.logger, 'onIceCandidate', this.ice.onLocalCandidate));
    this.pc.connectionStateChange.subscribe(guarded(this.logger, 'connectionStateChange', this.onPeerState));
    this.pc.iceConnectionStateChange.subscribe(
      guarded(this.logger, 'iceConnectionStateChange', (ice: string) => {
        // werift reports ICE losing consent as 'disconnected' but never reports the recovery.
        if ((ice === 'connected' || ice === 'completed') && this._state === 'disconnected') this.setState('connected');
      }),
    );
  }

  get state(): TransportState {
    return this._state;
  }

  get connected(): boolean {
    return this._state === 'connected';
  }

  // The role methods; each subclass overrides its own.
  async applyOffer(_sdp: string): Promise<void> {
    throw this.wrongRole('applyOffer');
  }

  async applyAnswer(_sdp: string): Promise<void> {
    throw this.wrongRole('applyAnswer');
  }

  produce(_options: ProducerOptions): Producer {
    throw this.wrongRole('produce');
  }

  consume(_producer: Producer, _options?: { paused?: boolean }): Consumer {
    throw this.wrongRole('consume');
  }

  restartIce(): void {
    // publish role: the client's next offer carries new credentials; werift restarts on it.
  }

  async addRemoteCandidate(candidate: IceCandidateInit | null): Promise<void> {
    if (!this.closed) await this.ice.addRemote(candidate);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.closeMedia();
    this.ice.close();
    this.ctx.counters.transports--;
    this.owner.transportClosed(this);
    this.setState('closed');
    this.ctx.trackShutdown(this.shutdown());
  }

  /** Close producers / consumers without renegotiating this transport. */
  protected abstract closeMedia(): void;

  /** DTLS is up (first time, or again after 'disconnected'). */
  protected abstract onConnected(): void;

  protected serial<T>(operation: () => Promise<T>): Promise<T> {
    const run = this.queue.then(operation);
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Applies our own description; `announce` sends it before any candidate gathered meanwhile. */
  protected async describeLocally(type: 'offer' | 'answer', sdp: string, announce: () => void): Promise<void> {
    this.ice.holdLocal();
    try {
      await this.pc.setLocalDescription({ type, sdp });
      announce();
    } finally {
      this.ice.releaseLocal();
    }
  }

  /** Call once a remote description is applied: queued remote candidates go in. */
  protected remoteDescribed(): Promise<void> {
    return this.ice.remoteDescribed();
  }

  protected emit(signal: TransportSignal): void {
    if (this.closed) return;
    try {
      this.options.onSignal(signal);
    } catch (err) {
      this.logger.error({ err, transport: this.label }, 'onSignal threw');
    }
  }

  protected assertOpen(): void {
    if (this.closed) throw MediaError.conflict('transport is closed');
  }

  /** Lets an SDP operation in flight finish (werift would leak sockets it is still binding), then closes. */
  private async shutdown(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.queue, new Promise((resolve) => (timer = setTimeout(resolve, CLOSE_GRACE_MS)))]);
    clearTimeout(timer);
    try {
      await this.pc.close();
    } catch (err) {
      this.logger.warn({ err, transport: this.label }, 'peer connection close failed');
    }
    this.releasePorts();
  }

  private readonly onPeerState = (state: TransportState): void => {
    if (state === 'closed') {
      this.close(); // werift closed itself (ICE closed); make it ours
      return;
    }
    if (this.setState(state) && state === 'connected') this.onConnected();
  };

  private setState(state: TransportState): boolean {
    if (this._state === state || this._state === 'closed') return false;
    this._state = state;
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

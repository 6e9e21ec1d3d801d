import { RTCPeerConnection } from 'werift';
import type { EngineContext } from './EngineContext';
import { IceTrickle } from './IceTrickle';
import { guarded } from './logger';
import { TransportBase } from './TransportBase';
import type { IceCandidateInit, TransportOptions, TransportState } from './types';

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
export abstract class WeriftTransport extends TransportBase {
  protected readonly pc: RTCPeerConnection;
  private readonly ice: IceTrickle;
  private readonly releasePorts: () => void;

  constructor(
    protected readonly owner: TransportOwner,
    protected readonly ctx: EngineContext,
    options: TransportOptions,
  ) {
    super(options, ctx.logger);
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
        if ((ice === 'connected' || ice === 'completed') && this.state === 'disconnected') this.setState('connected');
      }),
    );
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

  /** Lets an SDP operation in flight finish (werift would leak sockets it is still binding), then closes. */
  private async shutdown(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.idle, new Promise((resolve) => (timer = setTimeout(resolve, CLOSE_GRACE_MS)))]);
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
}

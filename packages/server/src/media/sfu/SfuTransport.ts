import { randomInt } from 'node:crypto';
import { createSrtpSession, srtpStatusName, type SrtpProfile, type SrtpSession } from '@confab/srtp';
import { MediaError } from '../errors';
import { TransportBase } from '../TransportBase';
import type { IceCandidateInit, TransportOptions } from '../types';
import type { IceDtlsCloseReason, IceDtlsTransport, PacketArrival, RemoteIceDtlsParameters, SrtpKeyMaterial } from './net/index';
import type { SfuContext } from './SfuContext';
import type { Tickable } from './Ticker';
import type { SessionOrigin } from './sdp/sdpLines';

/** What a transport needs from its router. */
export interface TransportOwner {
  claimProducerId(id: string): void;
  releaseProducerId(id: string): void;
  transportClosed(transport: SfuTransport): void;
}

/** The DTLS-SRTP profile names of the network layer, as @confab/srtp spells them. */
const SRTP_PROFILE: Record<SrtpKeyMaterial['profile'], SrtpProfile> = {
  SRTP_AEAD_AES_128_GCM: 'AEAD_AES_128_GCM',
  SRTP_AES128_CM_HMAC_SHA1_80: 'AES_CM_128_HMAC_SHA1_80',
};

/**
 * One participant's connection for one direction on the engine's shared port: an ICE-lite/DTLS
 * transport from the worker network, the SRTP session once DTLS is done, and what both roles
 * share: state, one-at-a-time SDP work, signaling out, RTCP out. The ICE transport is opened
 * with the first description (a subscriber with nothing to receive never starts ICE, so consent
 * cannot run out while it waits).
 */
export abstract class SfuTransport extends TransportBase implements Tickable {
  protected ice: IceDtlsTransport | null = null;
  protected srtp: SrtpSession | null = null;
  protected readonly origin: SessionOrigin = { id: String(randomInt(1, 2 ** 47)), version: 1 };

  constructor(
    protected readonly owner: TransportOwner,
    protected readonly ctx: SfuContext,
    options: TransportOptions,
  ) {
    super(options, ctx.logger);
    ctx.counters.transports++;
    ctx.ticker.add(this);
  }

  /** ICE-lite: we never check the client's candidates, its checks reach us. Kept for the interface. */
  async addRemoteCandidate(candidate: IceCandidateInit | null): Promise<void> {
    if (candidate !== null && (typeof candidate !== 'object' || typeof candidate.candidate !== 'string')) {
      this.logger.warn({ transport: this.label }, 'ignoring malformed remote ICE candidate');
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.ctx.ticker.delete(this);
    this.closeMedia();
    this.ice?.close();
    this.srtp?.close();
    this.ctx.counters.transports--;
    this.owner.transportClosed(this);
    this.setState('closed');
  }

  abstract tick(nowMs: number): void;

  /** Close producers / consumers without renegotiating this transport. */
  protected abstract closeMedia(): void;

  /** DTLS is up (first time, or a path is back after 'disconnected'). */
  protected abstract onConnected(): void;

  /** ICE selected another path (or none): what was sent on the old one goes on the new one. */
  protected pathChanged(): void {}

  /** An SRTP packet `packet[0, length)` from the client (protected; valid only during the call, like `arrival`). */
  protected abstract onRtp(packet: Buffer, length: number, arrival: PacketArrival): void;

  /** An SRTCP packet `packet[0, length)` from the client (protected; valid only during the call). */
  protected abstract onRtcp(packet: Buffer, length: number): void;

  /** The ICE/DTLS transport, opened on first use. */
  protected openIce(remote?: RemoteIceDtlsParameters): IceDtlsTransport {
    if (this.ice !== null) return this.ice;
    let ice: IceDtlsTransport;
    try {
      ice = this.ctx.network.createTransport({ remote, label: this.label });
    } catch (err) {
      throw MediaError.unavailable(`media network unavailable: ${(err as Error).message}`);
    }
    this.ice = ice;
    ice.on('pathChanged', (path) => {
      if (path === null) {
        if (this.state === 'connected') this.setState('disconnected');
      } else if (this.state === 'new') {
        this.setState('connecting');
      } else if (this.state === 'disconnected' && this.srtp !== null) {
        this.setState('connected');
        this.onConnected();
      }
      this.pathChanged();
    });
    ice.once('connected', (keys) => this.keysReady(keys));
    ice.once('closed', (reason, detail) => this.iceClosed(reason, detail));
    ice.onRtp = (packet, length, arrival) => this.onRtp(packet, length, arrival);
    ice.onRtcp = (packet, length) => this.onRtcp(packet, length);
    return ice;
  }

  /** Protects RTCP written at the start of `slot` (a PacketSlots slot) and sends it. */
  sendRtcp(slot: Buffer, length: number): void {
    const srtp = this.srtp;
    if (srtp === null || length <= 0) return;
    const n = srtp.protectRtcp(slot, length);
    if (n > 0) this.ice!.send(slot, n);
    else this.logger.debug({ transport: this.label, status: srtpStatusName(n) }, 'RTCP not protected');
  }

  private keysReady(keys: SrtpKeyMaterial): void {
    if (this.closed) return;
    try {
      this.srtp = createSrtpSession({
        profile: SRTP_PROFILE[keys.profile],
        localKey: keys.localKey,
        localSalt: keys.localSalt,
        remoteKey: keys.remoteKey,
        remoteSalt: keys.remoteSalt,
      });
    } catch (err) {
      this.logger.error({ err, transport: this.label }, 'SRTP session failed');
      this.close();
      return;
    }
    if (this.setState('connected')) this.onConnected();
  }

  private iceClosed(reason: IceDtlsCloseReason, detail: string): void {
    if (this.closed) return;
    this.logger.info({ transport: this.label, role: this.role, reason, detail }, 'media transport closed by the network');
    if (reason !== 'closed') this.setState('failed');
    this.close();
  }
}

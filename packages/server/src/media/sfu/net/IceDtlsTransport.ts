import { EventEmitter } from 'node:events';
import type { StunMessage } from '@confab/wire';
import { silentLogger, type MediaLogger } from '../../logger';
import type { IceCandidate } from './candidates';
import type { DtlsCertificate, DtlsFingerprint } from './DtlsCertificate';
import { DtlsServerSession } from './DtlsServerSession';
import type { IceCredentials } from './iceCredentials';
import { IceLiteEndpoint } from './IceLiteEndpoint';
import type { IcePath, PacketArrival, PacketReceiver, StunRequestHandler } from './IcePath';
import type { IceRegistry } from './IceRegistry';
import { classifyPacket, PacketKind } from './packetKind';
import type { SrtpKeyMaterial, SrtpProfile } from './srtpProfiles';

export type IceDtlsTransportState = 'new' | 'connecting' | 'connected' | 'closed';

/** Why a transport closed. */
export type IceDtlsCloseReason =
  /** close() was called. */
  | 'closed'
  /** No valid ICE check from the peer for the consent timeout (the client vanished). */
  | 'consent-lost'
  /** The peer sent a DTLS alert (close_notify when it closes its peer connection, or an error). */
  | 'dtls-alert'
  /** The handshake failed or didn't authenticate (fingerprint, CertificateVerify, no SRTP profile). */
  | 'dtls-failed';

export interface IceDtlsTransportEvents {
  /** DTLS is done and authenticated: the SRTP keys, split by our role. Once per transport. */
  connected: [keys: SrtpKeyMaterial];
  /** The last event. */
  closed: [reason: IceDtlsCloseReason, detail: string];
  /** The peer nominated another path (ICE restart, network change); null if none is left. */
  pathChanged: [path: IcePath | null];
  /** A check with the credentials of the last restartIce() validated; the old ones are gone. */
  iceRestarted: [];
}

/** What the remote SDP says about the peer's ICE and DTLS. */
export interface RemoteIceDtlsParameters {
  usernameFragment: string;
  /** Any `a=fingerprint` of the remote description (the certificate must match one). */
  fingerprints: readonly DtlsFingerprint[];
}

export interface LocalIceDtlsParameters {
  usernameFragment: string;
  password: string;
  /** Always: we answer checks, never send them. */
  iceLite: true;
  fingerprint: DtlsFingerprint;
  /** Always the DTLS server: answer `a=setup:passive`; offer `a=setup:actpass` (the browser answers active). */
  dtlsRole: 'server';
  candidates: readonly IceCandidate[];
}

export interface IceDtlsTransportOptions {
  registry: IceRegistry;
  certificate: DtlsCertificate;
  candidates: readonly IceCandidate[];
  consentTimeoutMs: number;
  srtpProfiles?: readonly SrtpProfile[];
  /** Known up front when the browser offered; set later with setRemoteParameters() when we offer. */
  remote?: RemoteIceDtlsParameters;
  /** Label for logs (e.g. the participant id). */
  label?: string;
  logger?: MediaLogger;
}

const noop = (): void => {};

/**
 * The secure media path of one peer: ICE-lite on the worker's shared UDP port / ICE-TCP port,
 * DTLS 1.2 (server) for the SRTP keys, then raw SRTP/SRTCP both ways. Incoming media is handed to
 * `onRtp` / `onRtcp` as the mux received it (still protected, no copy, no per-packet object);
 * `send()` writes to the path the browser nominated. Closes by itself when consent is lost or the
 * peer's DTLS alerts, and says why.
 */
export class IceDtlsTransport
  extends EventEmitter<IceDtlsTransportEvents>
  implements PacketReceiver, StunRequestHandler
{
  /** Every received SRTP packet, `packet[0, length)`, only valid during the call, like `arrival`. */
  onRtp: (packet: Buffer, length: number, arrival: PacketArrival) => void = noop;
  /** Every received SRTCP packet, `packet[0, length)`, only valid during the call. */
  onRtcp: (packet: Buffer, length: number) => void = noop;

  private currentState: IceDtlsTransportState = 'new';
  private readonly ice: IceLiteEndpoint;
  private readonly dtls: DtlsServerSession;
  private lastDtlsPath: IcePath | null = null;
  private keys: SrtpKeyMaterial | null = null;
  private readonly logger: MediaLogger;
  readonly label: string;
  /** For the set-up's debug log: when this transport was made, and whether a check or DTLS came yet. */
  private readonly createdAt = performance.now();
  private checkSeen = false;
  private dtlsSeen = false;

  constructor(private readonly options: IceDtlsTransportOptions) {
    super();
    this.label = options.label ?? '';
    this.logger = options.logger ?? silentLogger;
    this.ice = new IceLiteEndpoint({
      registry: options.registry,
      owner: this,
      consentTimeoutMs: options.consentTimeoutMs,
      onSelectedPath: (path) => this.onSelectedPath(path),
      onConsentExpired: () => this.close('consent-lost', `no valid ICE check for ${options.consentTimeoutMs} ms`),
      onRestartCompleted: () => this.safeEmit('iceRestarted'),
    });
    this.dtls = new DtlsServerSession({
      certificate: options.certificate,
      srtpProfiles: options.srtpProfiles,
      send: (records) => (this.ice.selected ?? this.lastDtlsPath)?.send(records, records.length),
      onConnected: (keys) => {
        this.keys = keys;
        this.currentState = 'connected';
        this.logSetUp('dtls connected');
        this.safeEmit('connected', keys);
      },
      onFailed: (reason, detail) => this.close(reason, detail),
      logger: this.logger,
    });
    if (options.remote) this.setRemoteParameters(options.remote);
  }

  get state(): IceDtlsTransportState {
    return this.currentState;
  }

  /** The keys once 'connected' fired, else null. */
  get srtpKeys(): SrtpKeyMaterial | null {
    return this.keys;
  }

  /** The path send() uses: the one the browser nominated last. */
  get selectedPath(): IcePath | null {
    return this.ice.selected;
  }

  get localParameters(): LocalIceDtlsParameters {
    const { usernameFragment, password } = this.ice.localCredentials;
    return {
      usernameFragment,
      password,
      iceLite: true,
      fingerprint: this.options.certificate.fingerprint,
      dtlsRole: 'server',
      candidates: this.options.candidates,
    };
  }

  /** ICE counters of this transport (valid, rejected, ignored checks). */
  get iceStats(): Readonly<IceLiteEndpoint['stats']> {
    return this.ice.stats;
  }

  /** From the remote description (offer or answer). Safe to call again with the same values. */
  setRemoteParameters(remote: RemoteIceDtlsParameters): void {
    if (this.currentState === 'closed') return;
    this.ice.setRemoteUfrag(remote.usernameFragment);
    this.dtls.setRemoteFingerprints(remote.fingerprints);
  }

  /**
   * The browser restarted ICE (its new offer has a new ufrag), or we restart it in our next offer
   * (no `remote` yet: its answer brings it, through setRemoteParameters): returns our new
   * credentials. DTLS and the SRTP keys stay; the current path keeps carrying media until the
   * browser nominates a path with the new credentials.
   */
  restartIce(remote?: RemoteIceDtlsParameters): IceCredentials {
    if (this.currentState === 'closed') throw new Error('transport is closed');
    const credentials = this.ice.restart(remote?.usernameFragment ?? null);
    if (remote) this.dtls.setRemoteFingerprints(remote.fingerprints);
    return credentials;
  }

  /**
   * Sends `buf[0, length)` (an SRTP/SRTCP packet) on the selected path; false if there is none.
   * On UDP the datagram normally leaves before this returns; on TCP the bytes are copied.
   */
  send(buf: Uint8Array, length: number): boolean {
    const path = this.ice.selected;
    if (path === null) return false;
    path.send(buf, length);
    return true;
  }

  /** IcePath.sendToSeal on the selected path: false if there is none or it cannot. */
  sendToSeal(buf: Uint8Array, length: number, sealId: number, roc: number): boolean {
    const path = this.ice.selected;
    return path !== null && path.sendToSeal(buf, length, sealId, roc);
  }

  close(reason: IceDtlsCloseReason = 'closed', detail = ''): void {
    if (this.currentState === 'closed') return;
    this.currentState = 'closed';
    this.ice.close();
    this.dtls.close();
    this.onRtp = noop;
    this.onRtcp = noop;
    this.logger.debug({ transport: this.label, reason, detail }, 'ice-dtls transport closed');
    this.safeEmit('closed', reason, detail);
    this.removeAllListeners();
  }

  /** @internal the mux: a Binding request whose USERNAME names one of our ufrags. */
  handleStunRequest(buf: Buffer, msg: StunMessage, path: IcePath): void {
    if (!this.checkSeen) {
      this.checkSeen = true;
      this.logSetUp('first ice check');
    }
    this.ice.handleStunRequest(buf, msg, path);
  }

  /** @internal the mux: a packet from a path we validated. */
  receivePacket(buf: Buffer, length: number, path: IcePath): void {
    switch (classifyPacket(buf, length)) {
      case PacketKind.Rtp:
        if (this.keys !== null) this.onRtp(buf, length, path);
        return;
      case PacketKind.Rtcp:
        if (this.keys !== null) this.onRtcp(buf, length);
        return;
      case PacketKind.Dtls:
        this.lastDtlsPath = path;
        if (!this.dtlsSeen) {
          this.dtlsSeen = true;
          this.logSetUp('first dtls record');
        }
        this.dtls.receive(Buffer.from(buf.subarray(0, length))); // handshake only: a copy, as a record may be kept
        return;
      default:
        return;
    }
  }

  /** @internal the mux: a path's connection ended. */
  pathClosed(path: IcePath): void {
    if (this.lastDtlsPath === path) this.lastDtlsPath = null;
    this.ice.pathClosed(path);
  }

  private onSelectedPath(path: IcePath | null): void {
    if (path !== null && this.currentState === 'new') {
      this.currentState = 'connecting';
      this.logSetUp('ice path nominated');
    }
    this.safeEmit('pathChanged', path);
  }

  /** Debug: a step of the connection's set-up, with the time since the transport was made. */
  private logSetUp(step: string): void {
    this.logger.debug({ transport: this.label, ms: Math.round(performance.now() - this.createdAt) }, step);
  }

  /** A listener that throws must not unwind into the socket handler that got us here. */
  private safeEmit<K extends keyof IceDtlsTransportEvents>(event: K, ...args: IceDtlsTransportEvents[K]): void {
    try {
      (this.emit as (event: K, ...args: IceDtlsTransportEvents[K]) => boolean)(event, ...args);
    } catch (err) {
      this.logger.error({ err, transport: this.label, event }, 'ice-dtls transport listener threw');
    }
  }
}

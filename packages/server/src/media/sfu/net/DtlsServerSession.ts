import { DtlsServer, type Transport } from 'werift';
import { silentLogger, type MediaLogger } from '../../logger';
import { matchesFingerprint, type DtlsCertificate, type DtlsFingerprint } from './DtlsCertificate';
import { verifyClientFlight } from './dtlsClientFlightCheck';
import { DtlsClientRepeats } from './dtlsClientRepeats';
import {
  DEFAULT_SRTP_PROFILES,
  SRTP_PROFILES,
  srtpProfileById,
  type SrtpKeyMaterial,
  type SrtpProfile,
} from './srtpProfiles';

export type DtlsFailure = 'dtls-alert' | 'dtls-failed';

export interface DtlsServerSessionOptions {
  certificate: DtlsCertificate;
  /** Preference order; default GCM, then AES-CM + HMAC-SHA1-80. */
  srtpProfiles?: readonly SrtpProfile[];
  /** Puts one flight of DTLS records on the wire (the selected ICE path). */
  send(records: Buffer): void;
  onConnected(keys: SrtpKeyMaterial): void;
  onFailed(reason: DtlsFailure, detail: string): void;
  logger?: MediaLogger;
}

type State = 'handshaking' | 'awaiting-fingerprint' | 'connected' | 'failed' | 'closed';

const EXPORTER_LABEL = 'EXTRACTOR-dtls_srtp';
const CONTENT_TYPE_ALERT = 21;
const CONTENT_TYPE_HANDSHAKE = 22;
const HANDSHAKE_CLIENT_HELLO = 1;
const RECORD_HEADER_LENGTH = 13;

/**
 * Our side of DTLS 1.2 (always the server: we answer `a=setup:passive`, offer `actpass`), only to
 * agree on SRTP keys. werift's DtlsServer runs the handshake; around it this adds what werift
 * leaves out: the client certificate is checked against the SDP fingerprint (the handshake may
 * finish before the answer carrying it arrives, so 'connected' waits for it), the client's
 * CertificateVerify and Finished are verified, and any alert record ends the session (werift
 * 0.24.4 swallows fatal alerts and misreads some encrypted ones).
 */
export class DtlsServerSession {
  private state: State = 'handshaking';
  private remoteFingerprints: readonly DtlsFingerprint[] = [];
  private readonly repeats = new DtlsClientRepeats();
  private readonly server: DtlsServer;
  private readonly transport: Transport;
  private readonly logger: MediaLogger;

  constructor(private readonly options: DtlsServerSessionOptions) {
    this.logger = options.logger ?? silentLogger;
    const profiles = options.srtpProfiles ?? DEFAULT_SRTP_PROFILES;
    this.transport = {
      type: 'ice-lite',
      address: { address: '', family: '', port: 0 },
      closed: false,
      onData: () => {},
      send: async (buf: Buffer) => {
        // werift's flights keep retransmitting on timers; nothing leaves after the session ends.
        if (this.state !== 'failed' && this.state !== 'closed') options.send(buf);
      },
      close: async () => {},
    };
    this.server = new DtlsServer({
      transport: this.transport,
      cert: options.certificate.certPem,
      key: options.certificate.keyPem,
      signatureHash: options.certificate.signatureHash,
      srtpProfiles: profiles.map((p) => SRTP_PROFILES[p].id) as Array<1 | 7>,
      // RFC 5763 5: the client's certificate is what the SDP fingerprint authenticates.
      certificateRequest: true,
      extendedMasterSecret: true,
    });
    this.server.onConnect.subscribe(() => this.handshakeDone());
    this.server.onError.subscribe((err: unknown) => this.fail('dtls-failed', `handshake error: ${String(err)}`));
  }

  get connected(): boolean {
    return this.state === 'connected';
  }

  /** The fingerprints from the remote SDP; the session can't connect before they are known. */
  setRemoteFingerprints(fingerprints: readonly DtlsFingerprint[]): void {
    this.remoteFingerprints = fingerprints;
    if (this.state === 'awaiting-fingerprint') this.verifyAndConnect();
  }

  /** One datagram (or TCP frame) of DTLS records from the peer. */
  receive(buf: Buffer): void {
    if (this.state === 'failed' || this.state === 'closed') return;
    if (containsAlert(buf)) {
      this.fail('dtls-alert', 'peer sent an alert');
      return;
    }
    // After the handshake werift still sees the peer's records: a repeated last flight (our
    // Finished was lost) makes it resend its own. A new ClientHello would make werift start over
    // in place while our keys stay exported, so it is ignored: a new handshake needs a new transport.
    if (this.state !== 'handshaking' && containsClientHello(buf)) return;
    const records = this.repeats.filter(buf);
    if (records === null) return;
    try {
      this.transport.onData(records, { address: '', port: 0 } as never);
    } catch (err) {
      // werift parses record headers outside its own try/catch.
      this.logger.debug({ err }, 'malformed DTLS datagram dropped');
    }
  }

  close(): void {
    if (this.state === 'closed' || this.state === 'failed') return;
    this.state = 'closed';
  }

  private handshakeDone(): void {
    if (this.state !== 'handshaking') return; // werift signals again when it repeats its last flight
    const problem = verifyClientFlight({
      messages: this.server.dtls.sortedHandshakeCache,
      masterSecret: this.server.cipher.masterSecret,
      clientCertificate: this.server.remoteCertificate,
    });
    if (problem !== null) {
      this.fail('dtls-failed', problem);
      return;
    }
    this.state = 'awaiting-fingerprint';
    if (this.remoteFingerprints.length > 0) this.verifyAndConnect();
  }

  private verifyAndConnect(): void {
    const certificate = this.server.remoteCertificate;
    if (certificate === undefined || !matchesFingerprint(certificate, this.remoteFingerprints)) {
      this.fail('dtls-failed', 'client certificate does not match the SDP fingerprint');
      return;
    }
    const profile = srtpProfileById(this.server.srtp.srtpProfile ?? -1);
    if (profile === undefined) {
      this.fail('dtls-failed', 'no SRTP protection profile negotiated');
      return;
    }
    const { keyLength, saltLength } = SRTP_PROFILES[profile];
    const material = this.server.exportKeyingMaterial(EXPORTER_LABEL, 2 * (keyLength + saltLength));
    this.state = 'connected';
    this.options.onConnected({
      profile,
      remoteKey: material.subarray(0, keyLength),
      localKey: material.subarray(keyLength, 2 * keyLength),
      remoteSalt: material.subarray(2 * keyLength, 2 * keyLength + saltLength),
      localSalt: material.subarray(2 * keyLength + saltLength),
    });
  }

  private fail(reason: DtlsFailure, detail: string): void {
    if (this.state === 'failed' || this.state === 'closed') return;
    this.state = 'failed';
    this.options.onFailed(reason, detail);
  }
}

/** Whether any record of the datagram satisfies `match` (headers: type, version, epoch, sequence, length). */
function someRecord(buf: Buffer, match: (offset: number) => boolean): boolean {
  let offset = 0;
  while (offset + RECORD_HEADER_LENGTH <= buf.length) {
    if (match(offset)) return true;
    offset += RECORD_HEADER_LENGTH + buf.readUInt16BE(offset + 11);
  }
  return false;
}

function containsAlert(buf: Buffer): boolean {
  return someRecord(buf, (offset) => buf[offset] === CONTENT_TYPE_ALERT);
}

/** A plaintext (epoch 0) handshake record whose first message is a ClientHello. */
function containsClientHello(buf: Buffer): boolean {
  return someRecord(
    buf,
    (offset) =>
      buf[offset] === CONTENT_TYPE_HANDSHAKE &&
      buf.readUInt16BE(offset + 3) === 0 &&
      buf[offset + RECORD_HEADER_LENGTH] === HANDSHAKE_CLIENT_HELLO,
  );
}

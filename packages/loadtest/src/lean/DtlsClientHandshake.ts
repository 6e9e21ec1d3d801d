import { X509Certificate } from 'node:crypto';
import { CipherContext, DtlsClient, HashAlgorithm, NamedCurveAlgorithm, SignatureAlgorithm, type Transport } from 'werift';
import { srtpProfileFromDtlsId, SRTP_PROFILES, type SrtpMasterKeys, type SrtpProfile } from '@confab/srtp';

/** The generator's DTLS identity: one certificate per worker, shared by its subscribers (as a browser shares one per session). */
export interface GeneratorCertificate {
  certPem: string;
  keyPem: string;
  /** For `a=fingerprint:`, e.g. `sha-256 AB:CD:...`. */
  fingerprint: string;
}

export async function generatorCertificate(): Promise<GeneratorCertificate> {
  const { certPem, keyPem } = await CipherContext.createSelfSignedCertificateWithKey(
    { signature: SignatureAlgorithm.ecdsa_3, hash: HashAlgorithm.sha256_4 },
    NamedCurveAlgorithm.secp256r1_23,
  );
  return { certPem, keyPem, fingerprint: `sha-256 ${new X509Certificate(certPem).fingerprint256}` };
}

export interface DtlsResult extends SrtpMasterKeys {
  profile: SrtpProfile;
}

/**
 * DTLS 1.2 as the client (`a=setup:active`), only for the SRTP keys: werift's DtlsClient runs the
 * handshake over the datagrams handed to `receive()`; nothing of it is on the packet path.
 */
export class DtlsClientHandshake {
  private readonly transport: Transport;
  private readonly client: DtlsClient;
  private done = false;
  private verifyRequested = false;

  constructor(certificate: GeneratorCertificate, send: (records: Buffer) => void) {
    this.transport = {
      type: 'lean',
      address: { address: '', family: '', port: 0 },
      closed: false,
      onData: () => {},
      send: async (buf: Buffer) => {
        // werift retransmits its flights on timers; nothing leaves once we are done.
        if (!this.done) send(buf);
      },
      close: async () => {},
    } as Transport;
    this.client = new DtlsClient({
      transport: this.transport,
      cert: certificate.certPem,
      key: certificate.keyPem,
      signatureHash: { hash: HashAlgorithm.sha256_4, signature: SignatureAlgorithm.ecdsa_3 },
      // GCM first, as Chromium asks.
      srtpProfiles: [7, 1],
      extendedMasterSecret: true,
    });
  }

  /** Runs the handshake; resolves with our (client) and the server's SRTP master keys. */
  async connect(): Promise<DtlsResult> {
    const connected = new Promise<void>((resolve, reject) => {
      this.client.onConnect.once(() => resolve());
      // Subscribed for good: werift rethrows an error nobody listens to, which would end the whole generator thread.
      this.client.onError.subscribe((error: unknown) => reject(new Error(`DTLS: ${error instanceof Error ? error.message || (error.stack ?? '').split('\n')[1]?.trim() : String(error)}`)));
    });
    // connect() only sends the first flight; the handshake ends with onConnect.
    await this.client.connect();
    await connected;
    const profile = srtpProfileFromDtlsId(this.client.srtp.srtpProfile ?? -1);
    if (profile === undefined) throw new Error('DTLS: no SRTP protection profile negotiated');
    const { keyLength, saltLength } = SRTP_PROFILES[profile];
    const keys = this.client.extractSessionKeys(keyLength, saltLength);
    this.done = true;
    return { profile, localKey: keys.localKey, localSalt: keys.localSalt, remoteKey: keys.remoteKey, remoteSalt: keys.remoteSalt };
  }

  /** One datagram of DTLS records from the server. */
  receive(buf: Buffer): void {
    if (this.done) return;
    // The server answers each ClientHello we repeat (our timer fired first on a busy machine) with a
    // HelloVerifyRequest; werift's client throws on any after the first, so later ones are dropped.
    if (isHelloVerifyRequest(buf)) {
      if (this.verifyRequested) return;
      this.verifyRequested = true;
    }
    try {
      this.transport.onData(buf, { address: '', port: 0 } as never);
    } catch {
      // werift parses record headers outside its own try/catch: a malformed datagram is dropped.
    }
  }

  close(): void {
    this.done = true;
    this.client.close?.();
  }
}

const CONTENT_TYPE_HANDSHAKE = 22;
const HELLO_VERIFY_REQUEST = 3;
const RECORD_HEADER_LENGTH = 13;

/** A datagram whose first record is a plaintext (epoch 0) handshake record holding a HelloVerifyRequest. */
function isHelloVerifyRequest(buf: Buffer): boolean {
  return (
    buf.length > RECORD_HEADER_LENGTH &&
    buf[0] === CONTENT_TYPE_HANDSHAKE &&
    buf.readUInt16BE(3) === 0 &&
    buf[RECORD_HEADER_LENGTH] === HELLO_VERIFY_REQUEST
  );
}

import { createHmac, createHash, verify, X509Certificate } from 'node:crypto';

/** What `verifyClientFlight` needs from werift's DtlsServer after its handshake. */
export interface HandshakeTranscript {
  /** Handshake messages in transcript order, each serialised with its 12-byte DTLS header. */
  messages: ReadonlyArray<{ msg_type: number; fragment: Buffer; serialize(): Buffer }>;
  masterSecret: Buffer;
  /** The client's certificate (DER). */
  clientCertificate: Buffer | undefined;
}

const CERTIFICATE_VERIFY = 15;
const FINISHED = 20;
const HASH_NAMES: Record<number, string> = { 2: 'sha1', 4: 'sha256', 5: 'sha384', 6: 'sha512' };

/**
 * Checks what werift's DTLS server (0.24.4) accepts unchecked from the client's second flight:
 * the CertificateVerify signature (proof that the client holds the key of the certificate whose
 * fingerprint the SDP pinned) and the client's Finished verify_data (proof that both sides saw the
 * same handshake, e.g. the same use_srtp offer). Returns null when both hold, else what failed.
 * TLS 1.2 with SHA-256 PRF (RFC 5246 7.4.8, 7.4.9), which is what werift's cipher suites use.
 */
export function verifyClientFlight(transcript: HandshakeTranscript): string | null {
  const { messages, masterSecret, clientCertificate } = transcript;
  if (clientCertificate === undefined) return 'client sent no certificate';
  const cvIndex = messages.findIndex((m) => m.msg_type === CERTIFICATE_VERIFY);
  const finishedIndex = messages.findIndex((m) => m.msg_type === FINISHED);
  if (cvIndex < 0 || finishedIndex < 0 || finishedIndex < cvIndex) return 'client flight incomplete';

  const cv = messages[cvIndex]!.fragment;
  if (cv.length < 4) return 'CertificateVerify too short';
  const hashName = HASH_NAMES[cv[0]!];
  const signatureLength = cv.readUInt16BE(2);
  if (hashName === undefined || cv.length !== 4 + signatureLength) return 'CertificateVerify malformed';
  const signed = Buffer.concat(messages.slice(0, cvIndex).map((m) => m.serialize()));
  let publicKey;
  try {
    publicKey = new X509Certificate(clientCertificate).publicKey;
  } catch {
    return 'client certificate unreadable';
  }
  if (!verify(hashName, signed, publicKey, cv.subarray(4))) return 'CertificateVerify signature invalid';

  const beforeFinished = Buffer.concat(messages.slice(0, finishedIndex).map((m) => m.serialize()));
  const expected = prfSha256(
    masterSecret,
    Buffer.concat([Buffer.from('client finished'), createHash('sha256').update(beforeFinished).digest()]),
    12,
  );
  return expected.equals(messages[finishedIndex]!.fragment) ? null : 'client Finished verify_data wrong';
}

/** TLS 1.2 PRF with P_SHA256 (RFC 5246 5); `seed` already carries the label. */
function prfSha256(secret: Buffer, seed: Buffer, length: number): Buffer {
  const out: Buffer[] = [];
  let a = seed;
  let produced = 0;
  while (produced < length) {
    a = createHmac('sha256', secret).update(a).digest();
    const block = createHmac('sha256', secret).update(a).update(seed).digest();
    out.push(block);
    produced += block.length;
  }
  return Buffer.concat(out).subarray(0, length);
}

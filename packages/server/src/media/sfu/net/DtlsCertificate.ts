import { createHash, X509Certificate } from 'node:crypto';
import { CipherContext, HashAlgorithm, NamedCurveAlgorithm, SignatureAlgorithm, type SignatureHash } from 'werift';

/** A certificate fingerprint as SDP carries it: `a=fingerprint:<algorithm> <value>`. */
export interface DtlsFingerprint {
  /** Lowercase hash name from the IANA "Hash Function Textual Names" registry, e.g. 'sha-256'. */
  algorithm: string;
  /** Uppercase hex bytes separated by colons. */
  value: string;
}

const HASHES: Record<string, string> = {
  'sha-1': 'sha1',
  'sha-224': 'sha224',
  'sha-256': 'sha256',
  'sha-384': 'sha384',
  'sha-512': 'sha512',
};

/** The fingerprint of a DER certificate, or null for a hash this code doesn't know. */
export function certificateFingerprint(der: Uint8Array, algorithm: string): DtlsFingerprint | null {
  const hash = HASHES[algorithm.toLowerCase()];
  if (hash === undefined) return null;
  const hex = createHash(hash).update(der).digest('hex').toUpperCase();
  return { algorithm: algorithm.toLowerCase(), value: hex.match(/../g)!.join(':') };
}

/** True when `der` matches one of `fingerprints` (same hash name, case-insensitive hex). */
export function matchesFingerprint(der: Uint8Array, fingerprints: readonly DtlsFingerprint[]): boolean {
  return fingerprints.some((expected) => {
    const actual = certificateFingerprint(der, expected.algorithm);
    return actual !== null && actual.value === expected.value.toUpperCase();
  });
}

/**
 * The self-signed ECDSA P-256 certificate our DTLS server presents; one per worker, shared by
 * all its transports (browsers pin it per session through the SDP fingerprint, nothing more).
 */
export class DtlsCertificate {
  private constructor(
    readonly certPem: string,
    readonly keyPem: string,
    /** What werift's DTLS needs to sign with the key. */
    readonly signatureHash: SignatureHash,
    /** sha-256 fingerprint for `a=fingerprint`. */
    readonly fingerprint: DtlsFingerprint,
  ) {}

  static async generate(): Promise<DtlsCertificate> {
    const { certPem, keyPem, signatureHash } = await CipherContext.createSelfSignedCertificateWithKey(
      { signature: SignatureAlgorithm.ecdsa_3, hash: HashAlgorithm.sha256_4 },
      NamedCurveAlgorithm.secp256r1_23,
    );
    const fingerprint = certificateFingerprint(new X509Certificate(certPem).raw, 'sha-256')!;
    return new DtlsCertificate(certPem, keyPem, signatureHash, fingerprint);
  }
}

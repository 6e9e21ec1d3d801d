/**
 * DTLS-SRTP keying material (RFC 5764 4.2): the exporter with this label yields
 * client key | server key | client salt | server salt; which half is ours depends on our DTLS role.
 */
import { SRTP_PROFILES, type SrtpProfile } from './profiles';

export const DTLS_SRTP_EXPORTER_LABEL = 'EXTRACTOR-dtls_srtp';

export type DtlsRole = 'client' | 'server';

export interface SrtpMasterKeys {
  readonly localKey: Buffer;
  readonly localSalt: Buffer;
  readonly remoteKey: Buffer;
  readonly remoteSalt: Buffer;
}

/** How many bytes to ask the DTLS exporter for. */
export function dtlsSrtpKeyingMaterialLength(profile: SrtpProfile): number {
  const p = SRTP_PROFILES[profile];
  return 2 * (p.keyLength + p.saltLength);
}

/** Our (local) and the peer's (remote) master keys and salts, as copies of the material. */
export function splitDtlsSrtpKeyingMaterial(material: Uint8Array, profile: SrtpProfile, role: DtlsRole): SrtpMasterKeys {
  const { keyLength: k, saltLength: s } = SRTP_PROFILES[profile];
  if (material.length !== 2 * (k + s)) {
    throw new RangeError(`${profile}: DTLS-SRTP keying material must be ${2 * (k + s)} bytes, got ${material.length}`);
  }
  const copy = (from: number, length: number) => Buffer.from(material.subarray(from, from + length));
  const client = { key: copy(0, k), salt: copy(2 * k, s) };
  const server = { key: copy(k, k), salt: copy(2 * k + s, s) };
  const [local, remote] = role === 'client' ? [client, server] : [server, client];
  return { localKey: local.key, localSalt: local.salt, remoteKey: remote.key, remoteSalt: remote.salt };
}

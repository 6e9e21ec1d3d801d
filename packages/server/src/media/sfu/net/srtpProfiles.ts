/** The DTLS-SRTP protection profiles we negotiate (RFC 5764 4.1.2, RFC 7714 14.2), best first. */
export const SrtpProfile = {
  AeadAes128Gcm: 'SRTP_AEAD_AES_128_GCM',
  Aes128CmHmacSha1_80: 'SRTP_AES128_CM_HMAC_SHA1_80',
} as const;
export type SrtpProfile = (typeof SrtpProfile)[keyof typeof SrtpProfile];

export interface SrtpProfileInfo {
  /** The use_srtp extension's two-byte id. */
  id: number;
  keyLength: number;
  saltLength: number;
}

export const SRTP_PROFILES: Readonly<Record<SrtpProfile, SrtpProfileInfo>> = {
  [SrtpProfile.AeadAes128Gcm]: { id: 0x0007, keyLength: 16, saltLength: 12 },
  [SrtpProfile.Aes128CmHmacSha1_80]: { id: 0x0001, keyLength: 16, saltLength: 14 },
};

export const DEFAULT_SRTP_PROFILES: readonly SrtpProfile[] = [
  SrtpProfile.AeadAes128Gcm,
  SrtpProfile.Aes128CmHmacSha1_80,
];

export function srtpProfileById(id: number): SrtpProfile | undefined {
  return (Object.keys(SRTP_PROFILES) as SrtpProfile[]).find((name) => SRTP_PROFILES[name].id === id);
}

/**
 * SRTP master keys and salts from one DTLS handshake, already split by our role (RFC 5764 4.2:
 * the exporter yields client key, server key, client salt, server salt; we are the server, so
 * "local" is the server's write material and "remote" the client's).
 */
export interface SrtpKeyMaterial {
  profile: SrtpProfile;
  /** Protects what we send. */
  localKey: Buffer;
  localSalt: Buffer;
  /** Unprotects what we receive. */
  remoteKey: Buffer;
  remoteSalt: Buffer;
}

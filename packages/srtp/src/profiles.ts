/** The SRTP protection profiles we speak, named as in RFC 7714 and RFC 3711 / RFC 5764. */
export type SrtpProfile = 'AEAD_AES_128_GCM' | 'AES_CM_128_HMAC_SHA1_80';

export interface SrtpProfileParams {
  /** Master and session key length in bytes. */
  readonly keyLength: number;
  /** Master and session salt length in bytes. */
  readonly saltLength: number;
  /** Session authentication key length (HMAC-SHA1); 0 for AEAD. */
  readonly authKeyLength: number;
  /** Bytes SRTP adds after an RTP packet (the tag). */
  readonly rtpOverhead: number;
  /** Bytes SRTCP adds after an RTCP packet (tag and E flag + index word). */
  readonly rtcpOverhead: number;
  /** The DTLS-SRTP protection profile id (RFC 5764 4.1.2, RFC 7714 14.2). */
  readonly dtlsId: number;
}

export const SRTP_PROFILES: Readonly<Record<SrtpProfile, SrtpProfileParams>> = {
  AEAD_AES_128_GCM: { keyLength: 16, saltLength: 12, authKeyLength: 0, rtpOverhead: 16, rtcpOverhead: 20, dtlsId: 0x0007 },
  AES_CM_128_HMAC_SHA1_80: { keyLength: 16, saltLength: 14, authKeyLength: 20, rtpOverhead: 10, rtcpOverhead: 14, dtlsId: 0x0001 },
};

/** Room a buffer needs after any packet for either profile. */
export const SRTP_MAX_OVERHEAD = 20;

/** The profile a DTLS `use_srtp` extension negotiated, or undefined for one we do not speak. */
export function srtpProfileFromDtlsId(id: number): SrtpProfile | undefined {
  for (const [name, params] of Object.entries(SRTP_PROFILES)) if (params.dtlsId === id) return name as SrtpProfile;
  return undefined;
}

/**
 * SRTP key derivation (RFC 3711 4.3, with the key derivation rate 0): the AES-CM PRF keyed with
 * the master key, run on the master salt with a label XORed in. RFC 7714 11 uses the same PRF for
 * AES-GCM; its 12-byte salt is zero-padded on the right to 14 bytes, as libsrtp (Chrome) does.
 */
import { createCipheriv } from 'node:crypto';
import { SRTP_PROFILES, type SrtpProfile } from './profiles';

export const KdfLabel = {
  RtpEncryption: 0,
  RtpAuthentication: 1,
  RtpSalt: 2,
  RtcpEncryption: 3,
  RtcpAuthentication: 4,
  RtcpSalt: 5,
} as const;

/** The keys of one direction (one master key and salt). Auth keys are empty for AEAD profiles. */
export interface SessionKeys {
  readonly rtpKey: Buffer;
  readonly rtpSalt: Buffer;
  readonly rtpAuthKey: Buffer;
  readonly rtcpKey: Buffer;
  readonly rtcpSalt: Buffer;
  readonly rtcpAuthKey: Buffer;
}

/** `length` bytes of AES-CM keystream with IV (salt XOR label at byte 7) * 2^16. */
export function aesCmPrf(masterKey: Uint8Array, masterSalt: Uint8Array, label: number, length: number): Buffer {
  if (masterKey.length !== 16) throw new RangeError('SRTP KDF: the master key must be 16 bytes');
  if (masterSalt.length > 14) throw new RangeError('SRTP KDF: the master salt must be at most 14 bytes');
  const blocks = Math.ceil(length / 16);
  const input = Buffer.alloc(blocks * 16);
  for (let b = 0; b < blocks; b++) {
    const at = b * 16;
    input.set(masterSalt, at);
    input[at + 7] = (input[at + 7] ?? 0) ^ label;
    input.writeUInt16BE(b, at + 14);
  }
  const ecb = createCipheriv('aes-128-ecb', masterKey, null).setAutoPadding(false);
  return ecb.update(input).subarray(0, length);
}

export function deriveSessionKeys(profile: SrtpProfile, masterKey: Uint8Array, masterSalt: Uint8Array): SessionKeys {
  const p = SRTP_PROFILES[profile];
  if (masterKey.length !== p.keyLength) throw new RangeError(`${profile}: the master key must be ${p.keyLength} bytes`);
  if (masterSalt.length !== p.saltLength) throw new RangeError(`${profile}: the master salt must be ${p.saltLength} bytes`);
  const prf = (label: number, length: number) => aesCmPrf(masterKey, masterSalt, label, length);
  return {
    rtpKey: prf(KdfLabel.RtpEncryption, p.keyLength),
    rtpSalt: prf(KdfLabel.RtpSalt, p.saltLength),
    rtpAuthKey: prf(KdfLabel.RtpAuthentication, p.authKeyLength),
    rtcpKey: prf(KdfLabel.RtcpEncryption, p.keyLength),
    rtcpSalt: prf(KdfLabel.RtcpSalt, p.saltLength),
    rtcpAuthKey: prf(KdfLabel.RtcpAuthentication, p.authKeyLength),
  };
}

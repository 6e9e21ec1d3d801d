import { timingSafeEqual } from 'node:crypto';
import { crc32 } from './crc32';
import { HMAC_SHA1_LENGTH, HmacSha1Key } from './hmacSha1';
import { STUN_FINGERPRINT_XOR, STUN_HEADER_LENGTH, STUN_INTEGRITY_LENGTH } from './constants';
import type { StunMessage } from './StunMessage';

/**
 * The MESSAGE-INTEGRITY key for ICE's short-term credentials: the password's UTF-8 bytes
 * (RFC 8489 9.1.1; ICE passwords are ASCII, so OpaqueString changes nothing).
 */
export function shortTermKey(password: string): Buffer {
  return Buffer.from(password, 'utf8');
}

/**
 * Checks MESSAGE-INTEGRITY (HMAC-SHA1) of a parsed message against `key`. The HMAC covers the
 * message up to the attribute, with the header's length as if the attribute ended the message
 * (a FINGERPRINT after it is left out), so the length is patched on the fly, not in `buf`.
 */
export function verifyStunIntegrity(buf: Uint8Array, msg: StunMessage, key: Uint8Array | HmacSha1Key): boolean {
  const at = msg.integrityOffset;
  if (at < 0 || at + 4 + STUN_INTEGRITY_LENGTH > buf.length) return false;
  const hmacKey = HmacSha1Key.of(key);
  const lengthAsIfLast = at + 4 + STUN_INTEGRITY_LENGTH - STUN_HEADER_LENGTH;
  hmacKey
    .begin()
    .update(buf, 0, 2)
    .updateByte(lengthAsIfLast >> 8)
    .updateByte(lengthAsIfLast & 0xff)
    .update(buf, 4, at);
  hmacKey.finishHmac(expected, 0);
  return timingSafeEqual(expected, buf.subarray(at + 4, at + 4 + STUN_INTEGRITY_LENGTH));
}

const expected = new Uint8Array(HMAC_SHA1_LENGTH);

/** Checks FINGERPRINT: CRC-32 of everything before it, xor 0x5354554e. False when absent. */
export function verifyStunFingerprint(buf: Uint8Array, msg: StunMessage): boolean {
  const at = msg.fingerprintOffset;
  if (at < 0) return false;
  const stored = ((buf[at + 4]! << 24) | (buf[at + 5]! << 16) | (buf[at + 6]! << 8) | buf[at + 7]!) >>> 0;
  return ((crc32(buf, 0, at) ^ STUN_FINGERPRINT_XOR) >>> 0) === stored;
}

/** STUN numbers (RFC 8489, ICE attributes from RFC 8445, consent from RFC 7675). */

/** The fixed value at bytes 4-7 of every RFC 5389/8489 message. */
export const STUN_MAGIC_COOKIE = 0x2112a442;
export const STUN_HEADER_LENGTH = 20;
export const STUN_TRANSACTION_ID_LENGTH = 12;
/** FINGERPRINT is the CRC-32 of the message xor'ed with this ("STUN"). */
export const STUN_FINGERPRINT_XOR = 0x5354554e;
/** HMAC-SHA1 output: the MESSAGE-INTEGRITY value. */
export const STUN_INTEGRITY_LENGTH = 20;

/** The two class bits of the message type. */
export const StunClass = {
  Request: 0,
  Indication: 1,
  SuccessResponse: 2,
  ErrorResponse: 3,
} as const;
export type StunClass = (typeof StunClass)[keyof typeof StunClass];

export const StunMethod = {
  Binding: 0x001,
} as const;

export const StunAttribute = {
  MappedAddress: 0x0001,
  Username: 0x0006,
  MessageIntegrity: 0x0008,
  ErrorCode: 0x0009,
  UnknownAttributes: 0x000a,
  Realm: 0x0014,
  Nonce: 0x0015,
  XorMappedAddress: 0x0020,
  Priority: 0x0024,
  UseCandidate: 0x0025,
  Software: 0x8022,
  Fingerprint: 0x8028,
  IceControlled: 0x8029,
  IceControlling: 0x802a,
} as const;

/** Error codes a lite ICE agent answers with. */
export const StunErrorCode = {
  BadRequest: 400,
  Unauthorized: 401,
  UnknownAttribute: 420,
  RoleConflict: 487,
} as const;

/** Attributes below 0x8000 must be understood; these are the ones this parser knows. */
export const KNOWN_REQUIRED_ATTRIBUTES: ReadonlySet<number> = new Set([
  StunAttribute.MappedAddress,
  StunAttribute.Username,
  StunAttribute.MessageIntegrity,
  StunAttribute.ErrorCode,
  StunAttribute.UnknownAttributes,
  StunAttribute.Realm,
  StunAttribute.Nonce,
  StunAttribute.XorMappedAddress,
  StunAttribute.Priority,
  StunAttribute.UseCandidate,
]);

/** RFC 8489 14.3 / 14.8 / 14.9: UTF-8 sizes beyond which the attribute is malformed. */
export const MAX_USERNAME_BYTES = 512;
export const MAX_REASON_BYTES = 763;
export const MAX_SOFTWARE_BYTES = 763;

/** Message type = method bits interleaved with the two class bits (C1 at bit 8, C0 at bit 4). */
export function stunMessageType(method: number, messageClass: StunClass): number {
  return (
    (method & 0x000f) |
    ((method & 0x0070) << 1) |
    ((method & 0x0f80) << 2) |
    ((messageClass & 1) << 4) |
    ((messageClass & 2) << 7)
  );
}

export function stunMethodOf(messageType: number): number {
  return (messageType & 0x000f) | ((messageType & 0x00e0) >> 1) | ((messageType & 0x3e00) >> 2);
}

export function stunClassOf(messageType: number): StunClass {
  return (((messageType >> 4) & 1) | ((messageType >> 7) & 2)) as StunClass;
}

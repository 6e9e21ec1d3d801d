import type { StunClass } from './constants';

export interface StunAddress {
  family: 4 | 6;
  address: string;
  port: number;
}

export interface StunErrorValue {
  code: number;
  reason: string;
}

/**
 * One parsed STUN message. Every field is set (stable shape); absent attributes are undefined,
 * absent integrity/fingerprint have offset -1. The offsets point at the attribute headers inside
 * the buffer that was parsed, which `verifyStunIntegrity` / `verifyStunFingerprint` need.
 */
export class StunMessage {
  /** Total bytes of the message (header + attributes). */
  length = 0;
  method = 0;
  messageClass: StunClass = 0;
  /** A view into the parsed buffer; copy it to keep it past the buffer's life. */
  transactionId: Uint8Array = EMPTY;
  username: string | undefined = undefined;
  priority: number | undefined = undefined;
  useCandidate = false;
  iceControlling: bigint | undefined = undefined;
  iceControlled: bigint | undefined = undefined;
  xorMappedAddress: StunAddress | undefined = undefined;
  mappedAddress: StunAddress | undefined = undefined;
  errorCode: StunErrorValue | undefined = undefined;
  unknownAttributes: number[] | undefined = undefined;
  software: string | undefined = undefined;
  /** Comprehension-required attribute types this parser doesn't know (answer 420 to a request). */
  unknownRequired: number[] | undefined = undefined;
  integrityOffset = -1;
  fingerprintOffset = -1;
}

const EMPTY = new Uint8Array(0);

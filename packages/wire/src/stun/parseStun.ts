import {
  KNOWN_REQUIRED_ATTRIBUTES,
  MAX_REASON_BYTES,
  MAX_SOFTWARE_BYTES,
  MAX_USERNAME_BYTES,
  STUN_HEADER_LENGTH,
  STUN_INTEGRITY_LENGTH,
  STUN_MAGIC_COOKIE,
  StunAttribute,
  stunClassOf,
  stunMethodOf,
} from './constants';
import { formatIpv4, formatIpv6 } from './ipAddress';
import { StunMessage, type StunAddress } from './StunMessage';

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** True when the first bytes look like STUN (RFC 7983: first byte 0-3, and the magic cookie). */
export function isStun(buf: Uint8Array, length = buf.length): boolean {
  return (
    length >= STUN_HEADER_LENGTH &&
    buf[0]! < 4 &&
    buf[4] === 0x21 &&
    buf[5] === 0x12 &&
    buf[6] === 0xa4 &&
    buf[7] === 0x42
  );
}

/**
 * Parses one STUN message from `buf[0, length)`; null if it isn't a well-formed RFC 5389/8489
 * message. Never throws. Attributes after MESSAGE-INTEGRITY other than FINGERPRINT are ignored
 * (RFC 8489 14.5); anything after FINGERPRINT makes the message malformed. Of repeated
 * attributes the first counts.
 */
export function parseStun(buf: Uint8Array, length = buf.length): StunMessage | null {
  if (length > buf.length || !isStun(buf, length)) return null;
  const view = new DataView(buf.buffer, buf.byteOffset, length);
  const type = view.getUint16(0);
  const bodyLength = view.getUint16(2);
  if ((bodyLength & 3) !== 0 || STUN_HEADER_LENGTH + bodyLength > length) return null;
  if (view.getUint32(4) !== STUN_MAGIC_COOKIE) return null;

  const msg = new StunMessage();
  msg.length = STUN_HEADER_LENGTH + bodyLength;
  msg.method = stunMethodOf(type);
  msg.messageClass = stunClassOf(type);
  msg.transactionId = buf.subarray(8, 20);

  let offset = STUN_HEADER_LENGTH;
  while (offset < msg.length) {
    if (offset + 4 > msg.length) return null;
    const attrType = view.getUint16(offset);
    const attrLength = view.getUint16(offset + 2);
    const value = offset + 4;
    const next = value + ((attrLength + 3) & ~3);
    if (next > msg.length) return null;
    if (msg.fingerprintOffset >= 0) return null; // FINGERPRINT must be last
    if (attrType === StunAttribute.Fingerprint) {
      if (attrLength !== 4) return null;
      msg.fingerprintOffset = offset;
    } else if (msg.integrityOffset < 0) {
      if (!readAttribute(msg, buf, view, attrType, value, attrLength, offset)) return null;
    }
    offset = next;
  }
  return msg;
}

/** Fills one attribute into `msg`; false if its value is malformed. */
function readAttribute(
  msg: StunMessage,
  buf: Uint8Array,
  view: DataView,
  type: number,
  value: number,
  length: number,
  header: number,
): boolean {
  switch (type) {
    case StunAttribute.Username:
      if (msg.username !== undefined) return true;
      if (length > MAX_USERNAME_BYTES) return false;
      return (msg.username = decodeUtf8(buf, value, length)) !== undefined;
    case StunAttribute.MessageIntegrity:
      if (length !== STUN_INTEGRITY_LENGTH) return false;
      msg.integrityOffset = header;
      return true;
    case StunAttribute.Priority:
      if (length !== 4) return false;
      msg.priority ??= view.getUint32(value);
      return true;
    case StunAttribute.UseCandidate:
      if (length !== 0) return false;
      msg.useCandidate = true;
      return true;
    case StunAttribute.IceControlling:
      if (length !== 8) return false;
      msg.iceControlling ??= view.getBigUint64(value);
      return true;
    case StunAttribute.IceControlled:
      if (length !== 8) return false;
      msg.iceControlled ??= view.getBigUint64(value);
      return true;
    case StunAttribute.XorMappedAddress:
    case StunAttribute.MappedAddress: {
      const xor = type === StunAttribute.XorMappedAddress;
      if ((xor ? msg.xorMappedAddress : msg.mappedAddress) !== undefined) return true;
      const address = readAddress(buf, view, value, length, xor);
      if (!address) return false;
      if (xor) msg.xorMappedAddress = address;
      else msg.mappedAddress = address;
      return true;
    }
    case StunAttribute.ErrorCode: {
      if (msg.errorCode !== undefined) return true;
      if (length < 4 || length - 4 > MAX_REASON_BYTES) return false;
      const errorClass = buf[value + 2]! & 0x07;
      const number = buf[value + 3]!;
      if (errorClass < 3 || errorClass > 6 || number > 99) return false;
      const reason = decodeUtf8(buf, value + 4, length - 4);
      if (reason === undefined) return false;
      msg.errorCode = { code: errorClass * 100 + number, reason };
      return true;
    }
    case StunAttribute.UnknownAttributes: {
      if (msg.unknownAttributes !== undefined) return true;
      if ((length & 1) !== 0) return false;
      const types: number[] = [];
      for (let i = 0; i < length; i += 2) types.push(view.getUint16(value + i));
      msg.unknownAttributes = types;
      return true;
    }
    case StunAttribute.Software:
      if (msg.software !== undefined) return true;
      if (length > MAX_SOFTWARE_BYTES) return false;
      return (msg.software = decodeUtf8(buf, value, length)) !== undefined;
    default:
      if (type < 0x8000 && !KNOWN_REQUIRED_ATTRIBUTES.has(type)) {
        msg.unknownRequired ??= [];
        if (!msg.unknownRequired.includes(type)) msg.unknownRequired.push(type);
      }
      return true;
  }
}

function readAddress(buf: Uint8Array, view: DataView, value: number, length: number, xor: boolean): StunAddress | null {
  if (length < 4) return null;
  const family = buf[value + 1];
  const port = view.getUint16(value + 2) ^ (xor ? STUN_MAGIC_COOKIE >>> 16 : 0);
  if (family === 0x01) {
    if (length !== 8) return null;
    const bytes = copyAddress(buf, value + 4, 4, xor);
    return { family: 4, address: formatIpv4(bytes, 0), port };
  }
  if (family === 0x02) {
    if (length !== 20) return null;
    const bytes = copyAddress(buf, value + 4, 16, xor);
    return { family: 6, address: formatIpv6(bytes, 0), port };
  }
  return null;
}

/** A copy (never a view: `buf` may be a Buffer, whose slice() shares memory) of the address bytes, un-xor'ed. */
function copyAddress(buf: Uint8Array, start: number, length: number, xor: boolean): Uint8Array {
  const bytes = new Uint8Array(length);
  // The address is xor'ed with the magic cookie (bytes 4-7) and, for IPv6, the transaction id after it.
  for (let i = 0; i < length; i++) bytes[i] = buf[start + i]! ^ (xor ? buf[4 + i]! : 0);
  return bytes;
}

function decodeUtf8(buf: Uint8Array, start: number, length: number): string | undefined {
  try {
    return utf8.decode(buf.subarray(start, start + length));
  } catch {
    return undefined;
  }
}

import { crc32 } from './crc32';
import {
  STUN_FINGERPRINT_XOR,
  STUN_HEADER_LENGTH,
  STUN_INTEGRITY_LENGTH,
  STUN_MAGIC_COOKIE,
  STUN_TRANSACTION_ID_LENGTH,
  StunAttribute,
  StunMethod,
  stunMessageType,
  type StunClass,
} from './constants';
import { HmacSha1Key } from './hmacSha1';
import { writeIpAddress } from './ipAddress';
import type { StunErrorValue } from './StunMessage';

export interface StunBuildOptions {
  messageClass: StunClass;
  /** Default: Binding. */
  method?: number;
  /** 12 bytes; a response copies the request's. */
  transactionId: Uint8Array;
  software?: string;
  username?: string;
  priority?: number;
  useCandidate?: boolean;
  iceControlling?: bigint;
  iceControlled?: bigint;
  /** The peer's transport address as we saw it (IPv4, IPv6, or IPv4-mapped IPv6 written as IPv4). */
  xorMappedAddress?: { address: string; port: number };
  errorCode?: StunErrorValue;
  unknownAttributes?: readonly number[];
  /** Adds MESSAGE-INTEGRITY (HMAC-SHA1 with this key) after the other attributes. */
  integrityKey?: Uint8Array | HmacSha1Key;
  /** Adds FINGERPRINT last. */
  fingerprint?: boolean;
}

const utf8 = new TextEncoder();

/** Builds one STUN message: sizes computed first, then written into a single buffer. Throws on bad input. */
export function buildStun(options: StunBuildOptions): Buffer {
  if (options.transactionId.length !== STUN_TRANSACTION_ID_LENGTH) {
    throw new RangeError('STUN transaction id must be 12 bytes');
  }
  const username = options.username === undefined ? undefined : utf8.encode(options.username);
  const software = options.software === undefined ? undefined : utf8.encode(options.software);
  const reason = options.errorCode === undefined ? undefined : utf8.encode(options.errorCode.reason);
  const address = options.xorMappedAddress;
  const addressBytes = new Uint8Array(16);
  const family = address === undefined ? 0 : writeIpAddress(address.address, addressBytes, 0);
  if (address !== undefined && family === 0) throw new RangeError(`not an IP address: ${address.address}`);

  let size = STUN_HEADER_LENGTH;
  const add = (valueLength: number): void => {
    size += 4 + ((valueLength + 3) & ~3);
  };
  if (software) add(software.length);
  if (options.priority !== undefined) add(4);
  if (options.useCandidate) add(0);
  if (options.iceControlling !== undefined) add(8);
  if (options.iceControlled !== undefined) add(8);
  if (username) add(username.length);
  if (address) add(family === 4 ? 8 : 20);
  if (reason) add(4 + reason.length);
  if (options.unknownAttributes) add(2 * options.unknownAttributes.length);
  if (options.integrityKey) add(STUN_INTEGRITY_LENGTH);
  if (options.fingerprint) add(4);

  const buf = Buffer.alloc(size);
  buf.writeUInt16BE(stunMessageType(options.method ?? StunMethod.Binding, options.messageClass), 0);
  buf.writeUInt32BE(STUN_MAGIC_COOKIE, 4);
  buf.set(options.transactionId, 8);
  let offset = STUN_HEADER_LENGTH;
  const header = (type: number, valueLength: number): number => {
    buf.writeUInt16BE(type, offset);
    buf.writeUInt16BE(valueLength, offset + 2);
    const value = offset + 4;
    offset = value + ((valueLength + 3) & ~3);
    return value;
  };

  if (software) buf.set(software, header(StunAttribute.Software, software.length));
  if (options.priority !== undefined) buf.writeUInt32BE(options.priority, header(StunAttribute.Priority, 4));
  if (options.iceControlling !== undefined) {
    buf.writeBigUInt64BE(options.iceControlling, header(StunAttribute.IceControlling, 8));
  }
  if (options.iceControlled !== undefined) {
    buf.writeBigUInt64BE(options.iceControlled, header(StunAttribute.IceControlled, 8));
  }
  if (options.useCandidate) header(StunAttribute.UseCandidate, 0);
  if (username) buf.set(username, header(StunAttribute.Username, username.length));
  if (address) {
    const bytes = family === 4 ? 4 : 16;
    const value = header(StunAttribute.XorMappedAddress, 4 + bytes);
    buf[value + 1] = family === 4 ? 0x01 : 0x02;
    buf.writeUInt16BE(address.port ^ (STUN_MAGIC_COOKIE >>> 16), value + 2);
    // xor with the magic cookie (bytes 4-7) and, for IPv6, the transaction id (bytes 8-19)
    for (let i = 0; i < bytes; i++) buf[value + 4 + i] = addressBytes[i]! ^ buf[4 + i]!;
  }
  if (reason && options.errorCode) {
    const code = options.errorCode.code;
    if (!Number.isInteger(code) || code < 300 || code > 699) throw new RangeError(`bad STUN error code ${code}`);
    const value = header(StunAttribute.ErrorCode, 4 + reason.length);
    buf[value + 2] = Math.floor(code / 100);
    buf[value + 3] = code % 100;
    buf.set(reason, value + 4);
  }
  if (options.unknownAttributes) {
    const list = options.unknownAttributes;
    const value = header(StunAttribute.UnknownAttributes, 2 * list.length);
    list.forEach((type, i) => buf.writeUInt16BE(type, value + 2 * i));
  }
  if (options.integrityKey) {
    const at = offset;
    buf.writeUInt16BE(at + 4 + STUN_INTEGRITY_LENGTH - STUN_HEADER_LENGTH, 2);
    const value = header(StunAttribute.MessageIntegrity, STUN_INTEGRITY_LENGTH);
    const key = HmacSha1Key.of(options.integrityKey);
    key.begin().update(buf, 0, at);
    key.finishHmac(buf, value);
  }
  if (options.fingerprint) {
    const at = offset;
    buf.writeUInt16BE(size - STUN_HEADER_LENGTH, 2);
    const value = header(StunAttribute.Fingerprint, 4);
    buf.writeUInt32BE((crc32(buf, 0, at) ^ STUN_FINGERPRINT_XOR) >>> 0, value);
  }
  buf.writeUInt16BE(size - STUN_HEADER_LENGTH, 2);
  return buf;
}

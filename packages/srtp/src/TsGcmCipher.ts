import { createCipheriv, createDecipheriv, createSecretKey, type KeyObject } from 'node:crypto';
import type { SessionKeys } from './keyDerivation';
import type { PacketCipher } from './packetCipher';
import { rtcpArgs, rtpArgs } from './cipherArgs';
import { readU32 } from './rtpHeader';
import { SrtpStatus } from './status';

const TAG = 16;
const WORD = 4;

/**
 * AEAD_AES_128_GCM (RFC 7714) on node:crypto. Node cannot re-IV a GCM cipher, so each packet gets
 * a new one (about 5 µs); a JavaScript GHASH over a reused AES-ECB keystream measured only ~10%
 * faster and costs 64 KB of tables per key, so it is not worth it. The native core is the fast path.
 */
export class TsGcmCipher implements PacketCipher {
  private rtpKey: KeyObject | null;
  private rtcpKey: KeyObject | null;
  private readonly rtpSalt: Buffer;
  private readonly rtcpSalt: Buffer;
  private readonly iv = Buffer.alloc(12);
  private readonly word = Buffer.alloc(WORD);

  constructor(keys: SessionKeys) {
    this.rtpKey = createSecretKey(keys.rtpKey);
    this.rtcpKey = createSecretKey(keys.rtcpKey);
    this.rtpSalt = Buffer.from(keys.rtpSalt);
    this.rtcpSalt = Buffer.from(keys.rtcpSalt);
  }

  sealRtp(buf: Uint8Array, len: number, headerLength: number, roc: number): number {
    if (this.rtpKey === null) return SrtpStatus.Closed;
    const bad = rtpArgs(buf, len, headerLength, roc);
    if (bad !== 0) return bad;
    if (buf.length - len < TAG) return SrtpStatus.NoRoom;
    this.formIv(this.rtpSalt, readU32(buf, 8), roc, (buf[2]! << 8) | buf[3]!);
    const c = createCipheriv('aes-128-gcm', this.rtpKey, this.iv);
    c.setAAD(buf.subarray(0, headerLength));
    buf.set(c.update(buf.subarray(headerLength, len)), headerLength);
    c.final();
    buf.set(c.getAuthTag(), len);
    return len + TAG;
  }

  openRtp(buf: Uint8Array, len: number, headerLength: number, roc: number): number {
    if (this.rtpKey === null) return SrtpStatus.Closed;
    const bad = rtpArgs(buf, len, headerLength, roc);
    if (bad !== 0) return bad;
    if (len - headerLength < TAG) return SrtpStatus.Malformed;
    const body = len - TAG;
    this.formIv(this.rtpSalt, readU32(buf, 8), roc, (buf[2]! << 8) | buf[3]!);
    const d = createDecipheriv('aes-128-gcm', this.rtpKey, this.iv);
    d.setAuthTag(buf.subarray(body, len));
    d.setAAD(buf.subarray(0, headerLength));
    const plain = d.update(buf.subarray(headerLength, body));
    if (!finalVerifies(d)) return SrtpStatus.AuthFailed;
    buf.set(plain, headerLength);
    return body;
  }

  sealRtcp(buf: Uint8Array, len: number, index: number): number {
    if (this.rtcpKey === null) return SrtpStatus.Closed;
    if (!rtcpArgs(buf, len) || !Number.isInteger(index) || index < 0 || index > 0x7fffffff) return SrtpStatus.Malformed;
    if (buf.length - len < TAG + WORD) return SrtpStatus.NoRoom;
    this.word.writeUInt32BE((0x80000000 | index) >>> 0, 0);
    this.formIv(this.rtcpSalt, readU32(buf, 4), 0, 0);
    this.iv.writeUInt32BE((this.iv.readUInt32BE(8) ^ index) >>> 0, 8);
    const c = createCipheriv('aes-128-gcm', this.rtcpKey, this.iv);
    c.setAAD(Buffer.concat([buf.subarray(0, 8), this.word]));
    buf.set(c.update(buf.subarray(8, len)), 8);
    c.final();
    buf.set(c.getAuthTag(), len);
    buf.set(this.word, len + TAG);
    return len + TAG + WORD;
  }

  openRtcp(buf: Uint8Array, len: number): number {
    if (this.rtcpKey === null) return SrtpStatus.Closed;
    if (!rtcpArgs(buf, len) || len < 8 + TAG + WORD) return SrtpStatus.Malformed;
    const body = len - TAG - WORD;
    const word = buf.subarray(len - WORD, len);
    const esrtcp = readU32(buf, len - WORD);
    this.formIv(this.rtcpSalt, readU32(buf, 4), 0, 0);
    this.iv.writeUInt32BE((this.iv.readUInt32BE(8) ^ (esrtcp & 0x7fffffff)) >>> 0, 8);
    const d = createDecipheriv('aes-128-gcm', this.rtcpKey, this.iv);
    d.setAuthTag(buf.subarray(body, body + TAG));
    const encrypted = esrtcp >= 0x80000000;
    d.setAAD(Buffer.concat([buf.subarray(0, encrypted ? 8 : body), word]));
    const plain = encrypted ? d.update(buf.subarray(8, body)) : null;
    if (!finalVerifies(d)) return SrtpStatus.AuthFailed;
    if (plain !== null) buf.set(plain, 8);
    return body;
  }

  close(): void {
    this.rtpKey = null;
    this.rtcpKey = null;
    this.rtpSalt.fill(0);
    this.rtcpSalt.fill(0);
  }

  /** RFC 7714 8.1 / 9.1: salt XOR (00 00 | SSRC | hi32 | lo16). */
  private formIv(salt: Buffer, ssrc: number, hi32: number, lo16: number): void {
    const iv = this.iv;
    iv.writeUInt16BE(salt.readUInt16BE(0), 0);
    iv.writeUInt32BE((salt.readUInt32BE(2) ^ ssrc) >>> 0, 2);
    iv.writeUInt32BE((salt.readUInt32BE(6) ^ hi32) >>> 0, 6);
    iv.writeUInt16BE(salt.readUInt16BE(10) ^ lo16, 10);
  }
}

function finalVerifies(d: { final(): Buffer }): boolean {
  try {
    d.final();
    return true;
  } catch {
    return false;
  }
}

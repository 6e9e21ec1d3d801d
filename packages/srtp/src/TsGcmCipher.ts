import { createCipheriv, createDecipheriv } from 'node:crypto';
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
  readonly rtpSealId = -1;
  private rtpKey: Buffer | null;
  private rtcpKey: Buffer | null;
  /** The 12-byte salts as three big-endian words, for forming IVs with three writes. */
  private readonly rtpSalt: Uint32Array;
  private readonly rtcpSalt: Uint32Array;
  private readonly iv = Buffer.alloc(12);
  private readonly word = Buffer.alloc(WORD);

  constructor(keys: SessionKeys) {
    this.rtpKey = Buffer.from(keys.rtpKey);
    this.rtcpKey = Buffer.from(keys.rtcpKey);
    this.rtpSalt = saltWords(keys.rtpSalt);
    this.rtcpSalt = saltWords(keys.rtcpSalt);
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
    this.formIv(this.rtcpSalt, readU32(buf, 4), index >>> 16, index & 0xffff);
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
    const index = esrtcp & 0x7fffffff;
    this.formIv(this.rtcpSalt, readU32(buf, 4), index >>> 16, index & 0xffff);
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
    for (const secret of [this.rtpKey, this.rtcpKey, this.rtpSalt, this.rtcpSalt]) secret?.fill(0);
    this.rtpKey = null;
    this.rtcpKey = null;
  }

  /**
   * RFC 7714 8.1 / 9.1: salt XOR (00 00 | SSRC | hi32 | lo16); for RTP hi32 is the ROC and lo16
   * the sequence number, for RTCP the two are 0 and the 31-bit index (written as index >>> 16, & 0xffff).
   */
  private formIv(salt: Uint32Array, ssrc: number, hi32: number, lo16: number): void {
    this.iv.writeUInt32BE((salt[0]! ^ (ssrc >>> 16)) >>> 0, 0);
    this.iv.writeUInt32BE((salt[1]! ^ ((ssrc << 16) | (hi32 >>> 16))) >>> 0, 4);
    this.iv.writeUInt32BE((salt[2]! ^ ((hi32 << 16) | lo16)) >>> 0, 8);
  }
}

function saltWords(salt: Buffer): Uint32Array {
  return Uint32Array.of(salt.readUInt32BE(0), salt.readUInt32BE(4), salt.readUInt32BE(8));
}

function finalVerifies(d: { final(): Buffer }): boolean {
  try {
    d.final();
    return true;
  } catch {
    return false;
  }
}

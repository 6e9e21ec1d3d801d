import { createCipheriv, createHmac, createSecretKey, timingSafeEqual, type Cipher, type KeyObject } from 'node:crypto';
import { rtcpArgs, rtpArgs } from './cipherArgs';
import type { SessionKeys } from './keyDerivation';
import type { PacketCipher } from './packetCipher';
import { readU32 } from './rtpHeader';
import { SrtpStatus } from './status';

const TAG = 10;
const WORD = 4;

/** One session key of the AES-CM profile: a reused AES-ECB context makes the counter-mode keystream. */
interface CmKey {
  readonly ecb: Cipher;
  readonly salt: Buffer;
  readonly authKey: KeyObject;
}

/**
 * AES_CM_128_HMAC_SHA1_80 (RFC 3711) on node:crypto without a cipher object per packet: the
 * counter blocks go through one long-lived AES-128-ECB context and the keystream is XORed in.
 * HMAC-SHA1 is a new Hmac per packet (Node has no way to reuse one).
 */
export class TsCmCipher implements PacketCipher {
  readonly rtpSealId = -1;
  private rtp: CmKey | null;
  private rtcp: CmKey | null;
  private counters: Buffer;
  private view: DataView;
  private readonly word = Buffer.alloc(WORD);

  constructor(keys: SessionKeys) {
    this.rtp = cmKey(keys.rtpKey, keys.rtpSalt, keys.rtpAuthKey);
    this.rtcp = cmKey(keys.rtcpKey, keys.rtcpSalt, keys.rtcpAuthKey);
    this.counters = Buffer.alloc(2048);
    this.view = new DataView(this.counters.buffer, this.counters.byteOffset, this.counters.length);
  }

  sealRtp(buf: Uint8Array, len: number, headerLength: number, roc: number): number {
    const key = this.rtp;
    if (key === null) return SrtpStatus.Closed;
    const bad = rtpArgs(buf, len, headerLength, roc);
    if (bad !== 0) return bad;
    if (buf.length - len < TAG) return SrtpStatus.NoRoom;
    this.xorKeystream(key, buf, headerLength, len, readU32(buf, 8), roc, (buf[2]! << 8) | buf[3]!);
    this.word.writeUInt32BE(roc, 0);
    buf.set(this.mac(key, buf, len, this.word).subarray(0, TAG), len);
    return len + TAG;
  }

  openRtp(buf: Uint8Array, len: number, headerLength: number, roc: number): number {
    const key = this.rtp;
    if (key === null) return SrtpStatus.Closed;
    const bad = rtpArgs(buf, len, headerLength, roc);
    if (bad !== 0) return bad;
    if (len - headerLength < TAG) return SrtpStatus.Malformed;
    const body = len - TAG;
    this.word.writeUInt32BE(roc, 0);
    if (!tagMatches(this.mac(key, buf, body, this.word), buf, body)) return SrtpStatus.AuthFailed;
    this.xorKeystream(key, buf, headerLength, body, readU32(buf, 8), roc, (buf[2]! << 8) | buf[3]!);
    return body;
  }

  sealRtcp(buf: Uint8Array, len: number, index: number): number {
    const key = this.rtcp;
    if (key === null) return SrtpStatus.Closed;
    if (!rtcpArgs(buf, len) || !Number.isInteger(index) || index < 0 || index > 0x7fffffff) return SrtpStatus.Malformed;
    if (buf.length - len < WORD + TAG) return SrtpStatus.NoRoom;
    this.xorKeystream(key, buf, 8, len, readU32(buf, 4), index >>> 16, index & 0xffff);
    this.word.writeUInt32BE((0x80000000 | index) >>> 0, 0);
    buf.set(this.word, len);
    buf.set(this.mac(key, buf, len + WORD, null).subarray(0, TAG), len + WORD);
    return len + WORD + TAG;
  }

  openRtcp(buf: Uint8Array, len: number): number {
    const key = this.rtcp;
    if (key === null) return SrtpStatus.Closed;
    if (!rtcpArgs(buf, len) || len < 8 + WORD + TAG) return SrtpStatus.Malformed;
    const authed = len - TAG;
    const body = authed - WORD;
    if (!tagMatches(this.mac(key, buf, authed, null), buf, authed)) return SrtpStatus.AuthFailed;
    const esrtcp = readU32(buf, body);
    if (esrtcp >= 0x80000000) {
      const index = esrtcp & 0x7fffffff;
      this.xorKeystream(key, buf, 8, body, readU32(buf, 4), index >>> 16, index & 0xffff);
    }
    return body;
  }

  close(): void {
    for (const key of [this.rtp, this.rtcp]) key?.salt.fill(0);
    this.rtp = null;
    this.rtcp = null;
  }

  private mac(key: CmKey, buf: Uint8Array, len: number, trailer: Buffer | null): Buffer {
    const h = createHmac('sha1', key.authKey).update(buf.subarray(0, len));
    if (trailer !== null) h.update(trailer);
    return h.digest();
  }

  /**
   * XORs buf[from, to) with the keystream for IV = (salt * 2^16) XOR (SSRC * 2^64) XOR (index * 2^16),
   * the 48-bit index given as its upper 32 and lower 16 bits (RFC 3711 4.1.1).
   */
  private xorKeystream(key: CmKey, buf: Uint8Array, from: number, to: number, ssrc: number, hi32: number, lo16: number): void {
    const n = to - from;
    if (n <= 0) return;
    const blocks = (n + 15) >>> 4;
    if (blocks * 16 > this.counters.length) this.growCounters(blocks * 16);
    const salt = key.salt;
    const w0 = salt.readUInt32BE(0);
    const w1 = (salt.readUInt32BE(4) ^ ssrc) >>> 0;
    const w2 = (salt.readUInt32BE(8) ^ hi32) >>> 0;
    const w3 = (salt.readUInt16BE(12) ^ lo16) << 16;
    const v = this.view;
    for (let b = 0, at = 0; b < blocks; b++, at += 16) {
      v.setUint32(at, w0);
      v.setUint32(at + 4, w1);
      v.setUint32(at + 8, w2);
      v.setUint32(at + 12, (w3 | b) >>> 0);
    }
    const keystream = key.ecb.update(this.counters.subarray(0, blocks * 16));
    let i = 0;
    // Word-wise where both sides are 4-byte aligned (the usual case): about 3x faster than bytes.
    if (((buf.byteOffset + from) & 3) === 0 && (keystream.byteOffset & 3) === 0) {
      const words = n >>> 2;
      const out = new Int32Array(buf.buffer, buf.byteOffset + from, words);
      const ks = new Int32Array(keystream.buffer, keystream.byteOffset, words);
      for (let w = 0; w < words; w++) out[w]! ^= ks[w]!;
      i = words << 2;
    }
    for (; i < n; i++) buf[from + i]! ^= keystream[i]!;
  }

  private growCounters(size: number): void {
    this.counters = Buffer.alloc(size);
    this.view = new DataView(this.counters.buffer, this.counters.byteOffset, this.counters.length);
  }
}

function cmKey(key: Buffer, salt: Buffer, authKey: Buffer): CmKey {
  return {
    ecb: createCipheriv('aes-128-ecb', key, null).setAutoPadding(false),
    salt: Buffer.from(salt),
    authKey: createSecretKey(authKey),
  };
}

function tagMatches(mac: Buffer, buf: Uint8Array, at: number): boolean {
  return timingSafeEqual(mac.subarray(0, TAG), buf.subarray(at, at + TAG));
}

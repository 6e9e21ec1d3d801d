/** Packet builders and byte helpers shared by this package's tests. */
import { randomBytes } from 'node:crypto';
import { createPacketCipher } from './backend';
import { createSrtpSession, type SrtpSessionOptions } from './createSrtpSession';
import type { SessionKeys } from './keyDerivation';
import type { PacketCipher, SrtpBackend } from './packetCipher';
import { SRTP_PROFILES, type SrtpProfile } from './profiles';
import type { SrtpSession } from './SrtpSession';

export const BACKENDS: readonly SrtpBackend[] = ['ts', 'native'];
export const PROFILES: readonly SrtpProfile[] = ['AEAD_AES_128_GCM', 'AES_CM_128_HMAC_SHA1_80'];

/** Bytes from hex written the RFCs' way (spaces and line breaks allowed). */
export function hex(text: string): Buffer {
  return Buffer.from(text.replace(/\s+/g, ''), 'hex');
}

/** `packet` copied into a buffer with `room` spare bytes after it, starting `offset` bytes into its memory. */
export function withRoom(packet: Uint8Array, room = 32, offset = 0): Buffer {
  const buf = Buffer.alloc(offset + packet.length + room).subarray(offset);
  buf.set(packet);
  return buf;
}

/** A cipher keyed directly with session keys (the RFC 7714 vectors give no master keys). */
export function cipherWithSessionKeys(backend: SrtpBackend, profile: SrtpProfile, key: Buffer, salt: Buffer, authKey = Buffer.alloc(0)): PacketCipher {
  const keys: SessionKeys = { rtpKey: key, rtpSalt: salt, rtpAuthKey: authKey, rtcpKey: key, rtcpSalt: salt, rtcpAuthKey: authKey };
  return createPacketCipher(backend, profile, keys);
}

export interface RtpFields {
  readonly seq: number;
  readonly ssrc: number;
  readonly timestamp?: number;
  readonly payloadType?: number;
  readonly csrcCount?: number;
  /** Header extension words (0 = no extension). */
  readonly extensionWords?: number;
  readonly payload: Uint8Array;
}

/** An RTP packet with the given header fields. */
export function rtpPacket(f: RtpFields): Buffer {
  const csrc = f.csrcCount ?? 0;
  const ext = f.extensionWords ?? 0;
  const header = 12 + csrc * 4 + (ext > 0 ? 4 + ext * 4 : 0);
  const buf = Buffer.alloc(header + f.payload.length);
  buf[0] = 0x80 | (ext > 0 ? 0x10 : 0) | csrc;
  buf[1] = f.payloadType ?? 96;
  buf.writeUInt16BE(f.seq & 0xffff, 2);
  buf.writeUInt32BE((f.timestamp ?? f.seq * 3000) >>> 0, 4);
  buf.writeUInt32BE(f.ssrc >>> 0, 8);
  for (let i = 0; i < csrc; i++) buf.writeUInt32BE(0x1000 + i, 12 + i * 4);
  if (ext > 0) {
    const at = 12 + csrc * 4;
    buf.writeUInt16BE(0xbede, at);
    buf.writeUInt16BE(ext, at + 2);
    randomBytes(ext * 4).copy(buf, at + 4);
  }
  buf.set(f.payload, header);
  return buf;
}

/** A receiver report from `ssrc` with `extra` bytes of report blocks/padding after the header. */
export function rtcpPacket(ssrc: number, extra = 24): Buffer {
  const buf = Buffer.alloc(8 + extra);
  buf[0] = 0x81;
  buf[1] = 201;
  buf.writeUInt16BE((buf.length >> 2) - 1, 2);
  buf.writeUInt32BE(ssrc >>> 0, 4);
  randomBytes(extra).copy(buf, 8);
  return buf;
}

export interface SessionPair {
  /** Protects with key A, unprotects with key B. */
  readonly alice: SrtpSession;
  /** The other end: protects with B, unprotects with A. */
  readonly bob: SrtpSession;
}

/** Two ends of one association with random master keys, on the given backends. */
export function sessionPair(profile: SrtpProfile, aliceBackend: SrtpBackend, bobBackend = aliceBackend, options: Partial<SrtpSessionOptions> = {}): SessionPair {
  const { keyLength, saltLength } = SRTP_PROFILES[profile];
  const a = { key: randomBytes(keyLength), salt: randomBytes(saltLength) };
  const b = { key: randomBytes(keyLength), salt: randomBytes(saltLength) };
  return {
    alice: createSrtpSession({ ...options, profile, backend: aliceBackend, localKey: a.key, localSalt: a.salt, remoteKey: b.key, remoteSalt: b.salt }),
    bob: createSrtpSession({ ...options, profile, backend: bobBackend, localKey: b.key, localSalt: b.salt, remoteKey: a.key, remoteSalt: a.salt }),
  };
}

/** The argument checks of the native core, repeated so both backends answer bad input alike. */
import { SrtpStatus } from './status';

/** Longest packet either backend takes: AES-CM's 16-bit block counter covers 1 MiB of keystream. */
export const MAX_PACKET = 0x100000;

/** 0 when the RTP arguments describe memory inside `buf`, else SrtpStatus.Malformed. */
export function rtpArgs(buf: Uint8Array, len: number, headerLength: number, roc: number): number {
  if (!Number.isInteger(len) || len < 12 || len > buf.length || len > MAX_PACKET) return SrtpStatus.Malformed;
  if (!Number.isInteger(headerLength) || headerLength < 12 || headerLength > len) return SrtpStatus.Malformed;
  if (!Number.isInteger(roc) || roc < 0 || roc > 0xffffffff) return SrtpStatus.Malformed;
  return 0;
}

/** True when an RTCP packet of `len` bytes (at least its 8-byte header) lies inside `buf`. */
export function rtcpArgs(buf: Uint8Array, len: number): boolean {
  return Number.isInteger(len) && len >= 8 && len <= buf.length && len <= MAX_PACKET;
}

import { RTCP_HEADER_SIZE } from './rtcpHeader';

const EMPTY = new Uint8Array(0);

/**
 * Walks the packets of a compound RTCP packet (RFC 3550 6.1) without allocating: one cursor per
 * receiver, reset() per datagram, next() per packet. Each step checks the common header (version
 * 2, the length inside the datagram, padding inside the packet); the type-specific readers then
 * check their own minimum sizes against `end`. Reduced-size RTCP (RFC 5506) is accepted: the
 * first packet may be of any type.
 *
 *  0                   1                   2                   3
 * |V=2|P|  count  |      PT       |             length            |
 */
export class RtcpCursor {
  buf: Uint8Array = EMPTY;
  /** Offset of the current packet's header. */
  offset = 0;
  /** End of the current packet's content (its padding excluded). */
  end = 0;
  /** Packet type (RtcpType) and the 5-bit count field (report count, or FMT for feedback). */
  type = 0;
  count = 0;
  /** Set when iteration stopped at a malformed packet rather than at the end. */
  malformed = false;
  private nextOffset = 0;
  private limit = 0;

  reset(buf: Uint8Array, len: number, start = 0): this {
    this.buf = buf;
    this.limit = Math.min(len, buf.length);
    this.nextOffset = start;
    this.offset = this.end = start;
    this.type = this.count = 0;
    this.malformed = false;
    return this;
  }

  /** Moves to the next packet; false at the end of the datagram or at a malformed header. */
  next(): boolean {
    const at = this.nextOffset;
    if (this.malformed || at >= this.limit) return false;
    const buf = this.buf;
    if (at + RTCP_HEADER_SIZE > this.limit || buf[at]! >> 6 !== 2) return this.fail();
    const size = (((buf[at + 2]! << 8) | buf[at + 3]!) + 1) * 4;
    if (at + size > this.limit) return this.fail();
    let end = at + size;
    if (buf[at]! & 0x20) {
      const padding = buf[end - 1]!;
      if (padding === 0 || padding > size - RTCP_HEADER_SIZE) return this.fail();
      end -= padding;
    }
    this.offset = at;
    this.end = end;
    this.type = buf[at + 1]!;
    this.count = buf[at]! & 0x1f;
    this.nextOffset = at + size;
    return true;
  }

  private fail(): boolean {
    this.malformed = true;
    return false;
  }
}

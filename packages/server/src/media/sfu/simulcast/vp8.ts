/**
 * VP8 RTP payload descriptor (RFC 7741 4.2) and key frame header (RFC 6386 9.1), read and patched
 * in place: what a simulcast layer switch needs to keep picture ids continuous, and the picture
 * size a key frame announces.
 */

/** The descriptor's fields as offsets into the packet; -1 when absent. Reused, never reallocated. */
export class Vp8Descriptor {
  /** Offset of the PictureID's first byte. */
  pictureIdAt = -1;
  /** 15-bit (M set) or 7-bit picture id. */
  longPictureId = false;
  tl0PicIdxAt = -1;
  /** Offset of the VP8 payload header (the frame tag) after the descriptor. */
  payloadAt = -1;

  /** Reads the descriptor of the payload `[start, end)`; false if it is truncated. */
  read(buf: Uint8Array, start: number, end: number): boolean {
    this.pictureIdAt = -1;
    this.tl0PicIdxAt = -1;
    this.payloadAt = -1;
    if (start >= end) return false;
    let i = start + 1;
    const b0 = buf[start]!;
    if (b0 & 0x80) {
      if (i >= end) return false;
      const x = buf[i++]!;
      if (x & 0x80) {
        if (i >= end) return false;
        this.pictureIdAt = i;
        this.longPictureId = (buf[i]! & 0x80) !== 0;
        i += this.longPictureId ? 2 : 1;
      }
      if (x & 0x40) this.tl0PicIdxAt = i++;
      if (x & 0x30) i++;
    }
    if (i > end) return false;
    this.payloadAt = i;
    return true;
  }

  pictureId(buf: Uint8Array): number {
    const at = this.pictureIdAt;
    return this.longPictureId ? ((buf[at]! & 0x7f) << 8) | buf[at + 1]! : buf[at]! & 0x7f;
  }

  setPictureId(buf: Uint8Array, id: number): void {
    const at = this.pictureIdAt;
    if (this.longPictureId) {
      buf[at] = 0x80 | ((id >> 8) & 0x7f);
      buf[at + 1] = id & 0xff;
    } else {
      buf[at] = id & 0x7f;
    }
  }
}

/**
 * The height a VP8 key frame announces (the 14-bit size after the start code 9d 01 2a), or 0 if
 * `[payloadAt, end)` is not the start of a key frame.
 */
export function vp8KeyFrameHeight(buf: Uint8Array, payloadAt: number, end: number): number {
  if (payloadAt + 10 > end || (buf[payloadAt]! & 0x01) !== 0) return 0;
  if (buf[payloadAt + 3] !== 0x9d || buf[payloadAt + 4] !== 0x01 || buf[payloadAt + 5] !== 0x2a) return 0;
  return (buf[payloadAt + 8]! | (buf[payloadAt + 9]! << 8)) & 0x3fff;
}

/** Likewise the width. */
export function vp8KeyFrameWidth(buf: Uint8Array, payloadAt: number, end: number): number {
  if (vp8KeyFrameHeight(buf, payloadAt, end) === 0) return 0;
  return (buf[payloadAt + 6]! | (buf[payloadAt + 7]! << 8)) & 0x3fff;
}

/**
 * Where a Vp8PictureRewriter keeps its state in its Float64Array; the native fan-out
 * (packages/srtp/native/rtp_fanout.c) advances the same fields in place, so the order is a
 * contract with that file.
 */
export const VP8_STATE = { pictureOffset: 0, tl0Offset: 1, lastPictureId: 2, lastTl0: 3, switchPending: 4, size: 5 } as const;

const PICTURE_OFFSET = VP8_STATE.pictureOffset;
const TL0_OFFSET = VP8_STATE.tl0Offset;
const LAST_PICTURE_ID = VP8_STATE.lastPictureId;
const LAST_TL0 = VP8_STATE.lastTl0;
const SWITCH_PENDING = VP8_STATE.switchPending;

/**
 * One consumer's VP8 picture numbering: PictureID and TL0PICIDX continue across simulcast layer
 * switches (each layer numbers its own pictures), so the receiver's decoder sees one stream. A
 * switch makes the next picture follow the last one sent; within a layer the offset stays.
 * The state lives in `state[base, base + VP8_STATE.size)`, as RtpStreamRewriter's.
 */
export class Vp8PictureRewriter {
  private readonly descriptor = new Vp8Descriptor();
  private s: Float64Array = new Float64Array([0, 0, -1, -1, 1]);
  private b = 0;

  /** Copies the state to `state[base, ...)` and keeps it there from now on. */
  moveState(state: Float64Array, base: number): void {
    if (state === this.s && base === this.b) return;
    state.set(this.s.subarray(this.b, this.b + VP8_STATE.size), base);
    this.s = state;
    this.b = base;
  }

  /** The next packet (a key frame of another layer) starts a new numbering segment. */
  switchSource(): void {
    this.s[this.b + SWITCH_PENDING] = 1;
  }

  /** Rewrites the descriptor of the RTP payload `[start, end)` in place. */
  rewrite(buf: Uint8Array, start: number, end: number): void {
    const d = this.descriptor;
    if (!d.read(buf, start, end)) return;
    const s = this.s;
    const b = this.b;
    const pending = s[b + SWITCH_PENDING] !== 0;
    s[b + SWITCH_PENDING] = 0;
    if (d.pictureIdAt >= 0) {
      const mask = d.longPictureId ? 0x7fff : 0x7f;
      const id = d.pictureId(buf);
      const last = s[b + LAST_PICTURE_ID]!;
      if (pending) s[b + PICTURE_OFFSET] = last < 0 ? 0 : (last + 1 - id) & mask;
      const out = (id + s[b + PICTURE_OFFSET]!) & mask;
      if (last < 0 || ((out - last) & mask) < mask / 2) s[b + LAST_PICTURE_ID] = out;
      d.setPictureId(buf, out);
    }
    if (d.tl0PicIdxAt >= 0) {
      const tl0 = buf[d.tl0PicIdxAt]!;
      const last = s[b + LAST_TL0]!;
      if (pending) s[b + TL0_OFFSET] = last < 0 ? 0 : (last + 1 - tl0) & 0xff;
      const out = (tl0 + s[b + TL0_OFFSET]!) & 0xff;
      if (last < 0 || ((out - last) & 0xff) < 128) s[b + LAST_TL0] = out;
      buf[d.tl0PicIdxAt] = out;
    }
  }

  /** A resent packet of the current segment: the same offsets, the state untouched. */
  rewriteRetransmission(buf: Uint8Array, start: number, end: number): void {
    const d = this.descriptor;
    const s = this.s;
    const b = this.b;
    if (s[b + SWITCH_PENDING] !== 0 || !d.read(buf, start, end)) return;
    if (d.pictureIdAt >= 0) d.setPictureId(buf, (d.pictureId(buf) + s[b + PICTURE_OFFSET]!) & (d.longPictureId ? 0x7fff : 0x7f));
    if (d.tl0PicIdxAt >= 0) buf[d.tl0PicIdxAt] = (buf[d.tl0PicIdxAt]! + s[b + TL0_OFFSET]!) & 0xff;
  }
}

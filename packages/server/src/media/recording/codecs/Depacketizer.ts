import type { MkvTrack } from '../MatroskaWriter';

/** A complete frame: `data[0, length)` (a view the depacketizer reuses: copy or write it out at once). */
export type FrameHandler = (data: Uint8Array, length: number, rtpTimestamp: number, keyFrame: boolean) => void;

/**
 * Turns a codec's RTP payloads, in sequence order, into the frames a container stores. Only
 * complete frames come out: a frame missing a packet is dropped whole (the recorder then waits for
 * a key frame), never written half.
 */
export interface Depacketizer {
  /**
   * The payload `buf[start, end)` of the next packet in sequence order; `afterLoss`: packets are
   * missing just before this one.
   */
  push(buf: Uint8Array, start: number, end: number, rtpTimestamp: number, marker: boolean, afterLoss: boolean): void;
  /** What the container's header needs, known from the first key frame on (null before). */
  readonly track: MkvTrack | null;
}

/** A frame being put together: grows to the largest frame seen, then is reused. */
export class FrameBuffer {
  buf = Buffer.alloc(64 * 1024);
  length = 0;

  append(src: Uint8Array, start: number, end: number): void {
    this.reserve(end - start);
    this.buf.set(src.subarray(start, end), this.length);
    this.length += end - start;
  }

  /** Room for `n` more bytes; returns where they go. */
  reserve(n: number): number {
    if (this.length + n > this.buf.length) {
      const next = Buffer.alloc(Math.max(this.buf.length * 2, this.length + n));
      this.buf.copy(next, 0, 0, this.length);
      this.buf = next;
    }
    return this.length;
  }
}

/**
 * Splits a TCP byte stream into RFC 4571 frames (a 2-byte big-endian length, then that many
 * bytes). A frame inside one chunk is handed over as a view of it; only a frame split across
 * chunks is copied together. Zero-length frames are skipped.
 */
export class Rfc4571Reader {
  private pending: Buffer | null = null;

  constructor(private readonly onFrame: (frame: Buffer) => void) {}

  /** Bytes held for a frame that hasn't fully arrived. */
  get buffered(): number {
    return this.pending?.length ?? 0;
  }

  push(chunk: Buffer): void {
    let data = this.pending === null ? chunk : Buffer.concat([this.pending, chunk]);
    this.pending = null;
    let offset = 0;
    while (data.length - offset >= 2) {
      const length = data.readUInt16BE(offset);
      if (data.length - offset - 2 < length) break;
      if (length > 0) this.onFrame(data.subarray(offset + 2, offset + 2 + length));
      offset += 2 + length;
    }
    // Node hands each read its own memory, so keeping a view of the tail is safe.
    if (offset < data.length) this.pending = data.subarray(offset);
  }
}

/** A frame for `buf[0, length)`: its own buffer, since a socket write holds on to what it's given. */
export function frameRfc4571(buf: Uint8Array, length: number): Buffer {
  const frame = Buffer.allocUnsafe(length + 2);
  frame.writeUInt16BE(length, 0);
  frame.set(length === buf.length ? buf : buf.subarray(0, length), 2);
  return frame;
}

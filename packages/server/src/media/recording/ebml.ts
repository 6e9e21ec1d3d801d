/**
 * EBML (RFC 8794), the binary layout under Matroska and WebM: each element is an ID, a size as a
 * variable-length integer, and a body. Only what the recorder writes is here: master elements
 * built in memory (headers, cues; allocation is fine there, they are written once), the
 * "unknown size" marker that live files use for Segment and Cluster, and Void padding.
 */

/** Matroska element IDs (the IDs carry their own length marker, written as is). */
export const MkvId = {
  Ebml: 0x1a45dfa3,
  EbmlVersion: 0x4286,
  EbmlReadVersion: 0x42f7,
  EbmlMaxIdLength: 0x42f2,
  EbmlMaxSizeLength: 0x42f3,
  DocType: 0x4282,
  DocTypeVersion: 0x4287,
  DocTypeReadVersion: 0x4285,
  Segment: 0x18538067,
  SeekHead: 0x114d9b74,
  Seek: 0x4dbb,
  SeekId: 0x53ab,
  SeekPosition: 0x53ac,
  Info: 0x1549a966,
  TimestampScale: 0x2ad7b1,
  Duration: 0x4489,
  MuxingApp: 0x4d80,
  WritingApp: 0x5741,
  Tracks: 0x1654ae6b,
  TrackEntry: 0xae,
  TrackNumber: 0xd7,
  TrackUid: 0x73c5,
  TrackType: 0x83,
  FlagLacing: 0x9c,
  CodecId: 0x86,
  CodecPrivate: 0x63a2,
  CodecDelay: 0x56aa,
  SeekPreRoll: 0x56bb,
  Video: 0xe0,
  PixelWidth: 0xb0,
  PixelHeight: 0xba,
  Audio: 0xe1,
  SamplingFrequency: 0xb5,
  Channels: 0x9f,
  Cluster: 0x1f43b675,
  Timestamp: 0xe7,
  SimpleBlock: 0xa3,
  Cues: 0x1c53bb6b,
  CuePoint: 0xbb,
  CueTime: 0xb3,
  CueTrackPositions: 0xb7,
  CueTrack: 0xf7,
  CueClusterPosition: 0xf1,
  Void: 0xec,
} as const;

/** The 8-byte size that says "unknown": the element runs until its parent ends or a sibling starts. */
export const UNKNOWN_SIZE_8 = Buffer.from([0x01, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);

/** Bytes an element ID takes (its leading bits say so; we keep IDs as numbers). */
export function idLength(id: number): number {
  return id >= 0x1000000 ? 4 : id >= 0x10000 ? 3 : id >= 0x100 ? 2 : 1;
}

/** Bytes the shortest size vint for `size` takes (all ones is reserved for "unknown"). */
export function sizeLength(size: number): number {
  let n = 1;
  while (n < 8 && size >= 2 ** (7 * n) - 1) n++;
  return n;
}

export function writeId(buf: Uint8Array, at: number, id: number): number {
  const n = idLength(id);
  for (let i = n - 1; i >= 0; i--) buf[at + n - 1 - i] = Math.floor(id / 2 ** (8 * i)) & 0xff;
  return at + n;
}

/** Writes `size` as a vint of exactly `n` bytes (the shortest if `n` is omitted). */
export function writeSize(buf: Uint8Array, at: number, size: number, n = sizeLength(size)): number {
  for (let i = n - 1; i >= 0; i--) buf[at + n - 1 - i] = Math.floor(size / 2 ** (8 * i)) & 0xff;
  buf[at] = buf[at]! | (0x80 >> (n - 1));
  return at + n;
}

/** Bytes an unsigned integer body takes (at least one). */
function uintLength(value: number): number {
  let n = 1;
  while (n < 8 && value >= 2 ** (8 * n)) n++;
  return n;
}

/**
 * Builds elements into a growing buffer: for the parts written once (EBML header, Info, Tracks,
 * SeekHead, Cues). Masters are closed with their size known, so they are built inside out.
 */
export class EbmlBuilder {
  private buf = Buffer.alloc(256);
  private len = 0;
  private readonly open: number[] = [];

  get length(): number {
    return this.len;
  }

  /** Starts a master element; its size is filled in by end(). Sizes get 8 bytes (room for anything). */
  start(id: number): this {
    this.reserve(12);
    this.len = writeId(this.buf, this.len, id);
    this.open.push(this.len);
    this.len += 8;
    return this;
  }

  end(): this {
    const at = this.open.pop();
    if (at === undefined) throw new Error('EbmlBuilder.end without start');
    writeSize(this.buf, at, this.len - at - 8, 8);
    return this;
  }

  uint(id: number, value: number): this {
    const n = uintLength(value);
    this.header(id, n);
    for (let i = n - 1; i >= 0; i--) this.buf[this.len++] = Math.floor(value / 2 ** (8 * i)) & 0xff;
    return this;
  }

  /** A fixed 8-byte unsigned integer, so that it can be patched in place later. */
  uint64(id: number, value: number): this {
    this.header(id, 8);
    for (let i = 7; i >= 0; i--) this.buf[this.len++] = Math.floor(value / 2 ** (8 * i)) & 0xff;
    return this;
  }

  float(id: number, value: number): this {
    this.header(id, 8);
    this.buf.writeDoubleBE(value, this.len);
    this.len += 8;
    return this;
  }

  string(id: number, value: string): this {
    return this.bytes(id, Buffer.from(value, 'utf8'));
  }

  bytes(id: number, value: Uint8Array): this {
    this.header(id, value.length);
    this.buf.set(value, this.len);
    this.len += value.length;
    return this;
  }

  /** A Void element of exactly `total` bytes (2 or more): padding a reader skips. */
  void(total: number): this {
    if (total < 2) throw new Error(`a Void element takes at least 2 bytes, not ${total}`);
    const sizeBytes = total - 1 > 8 ? 8 : 1;
    this.reserve(total);
    this.len = writeId(this.buf, this.len, MkvId.Void);
    this.len = writeSize(this.buf, this.len, total - 1 - sizeBytes, sizeBytes);
    this.buf.fill(0, this.len, this.len + total - 1 - sizeBytes);
    this.len += total - 1 - sizeBytes;
    return this;
  }

  /** Raw bytes, e.g. an ID followed by UNKNOWN_SIZE_8. */
  raw(value: Uint8Array): this {
    this.reserve(value.length);
    this.buf.set(value, this.len);
    this.len += value.length;
    return this;
  }

  id(id: number): this {
    this.reserve(4);
    this.len = writeId(this.buf, this.len, id);
    return this;
  }

  /** The bytes so far (a copy: the builder may be reused). */
  toBuffer(): Buffer {
    if (this.open.length > 0) throw new Error('EbmlBuilder has unclosed elements');
    return Buffer.from(this.buf.subarray(0, this.len));
  }

  private header(id: number, size: number): void {
    this.reserve(12 + size);
    this.len = writeId(this.buf, this.len, id);
    this.len = writeSize(this.buf, this.len, size);
  }

  private reserve(n: number): void {
    if (this.len + n <= this.buf.length) return;
    const next = Buffer.alloc(Math.max(this.buf.length * 2, this.len + n));
    this.buf.copy(next, 0, 0, this.len);
    this.buf = next;
  }
}

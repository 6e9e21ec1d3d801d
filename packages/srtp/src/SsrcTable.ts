import { readI32 } from './rtpHeader';

const INITIAL_SLOTS = 8;

/**
 * SSRC -> value, for the per-packet stream lookup. A Map would box every SSRC above 2^30 (most
 * random SSRCs) into a new heap number per lookup, and so would passing one as an argument; this
 * table reads the SSRC from the packet itself, keeps keys in an Int32Array and probes linearly, so
 * a lookup allocates nothing. It grows (when a stream is added, never per packet) up to
 * `maxSize` entries; entries go only with clear().
 */
export class SsrcTable<T> {
  readonly maxSize: number;
  private keys: Int32Array;
  private values: (T | undefined)[];
  private shift: number;
  private mask: number;
  private count: number;

  constructor(maxSize: number) {
    if (!Number.isInteger(maxSize) || maxSize < 1 || maxSize > 0x10000) throw new RangeError('SSRC table: a size from 1 to 65536');
    this.maxSize = maxSize;
    this.keys = new Int32Array(0);
    this.values = [];
    this.shift = 0;
    this.mask = 0;
    this.count = 0;
    this.allocate(INITIAL_SLOTS);
  }

  get size(): number {
    return this.count;
  }

  /** The value for the SSRC in `buf[at, at + 4)`. */
  get(buf: Uint8Array, at: number): T | undefined {
    const ssrc = readI32(buf, at);
    for (let i = this.slot(ssrc); ; i = (i + 1) & this.mask) {
      const value = this.values[i];
      if (value === undefined || this.keys[i] === ssrc) return value;
    }
  }

  /** Adds or replaces; false (and nothing stored) when a new SSRC would pass `maxSize`. */
  set(buf: Uint8Array, at: number, value: T): boolean {
    const ssrc = readI32(buf, at);
    const i = this.find(ssrc);
    if (this.values[i] !== undefined) {
      this.values[i] = value;
      return true;
    }
    if (this.count >= this.maxSize) return false;
    if ((this.count + 1) * 2 > this.keys.length) {
      this.grow();
      return this.set(buf, at, value);
    }
    this.keys[i] = ssrc;
    this.values[i] = value;
    this.count++;
    return true;
  }

  clear(): void {
    this.allocate(INITIAL_SLOTS);
    this.count = 0;
  }

  /** The slot holding `ssrc`, or the empty slot where it would go. */
  private find(ssrc: number): number {
    let i = this.slot(ssrc);
    while (this.values[i] !== undefined && this.keys[i] !== ssrc) i = (i + 1) & this.mask;
    return i;
  }

  private slot(ssrc: number): number {
    return Math.imul(ssrc, 0x9e3779b1) >>> this.shift;
  }

  private grow(): void {
    const keys = this.keys;
    const values = this.values;
    this.allocate(keys.length * 2);
    for (let j = 0; j < keys.length; j++) {
      const value = values[j];
      if (value === undefined) continue;
      const i = this.find(keys[j]!);
      this.keys[i] = keys[j]!;
      this.values[i] = value;
    }
  }

  private allocate(slots: number): void {
    this.keys = new Int32Array(slots);
    this.values = new Array<T | undefined>(slots).fill(undefined);
    this.shift = 32 - Math.log2(slots);
    this.mask = slots - 1;
  }
}

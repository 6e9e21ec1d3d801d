import { readI32 } from './rtpHeader';

/**
 * SSRC -> value, for the per-packet stream lookup. A Map would box every SSRC above 2^30 (most
 * random SSRCs) into a new heap number per lookup, and so would passing one as an argument; this
 * table reads the SSRC from the packet itself, keeps keys in an Int32Array and probes linearly, so
 * a lookup allocates nothing. Fixed capacity; entries go only with clear().
 */
export class SsrcTable<T> {
  readonly capacity: number;
  private readonly keys: Int32Array;
  private readonly values: (T | undefined)[];
  private readonly shift: number;
  private readonly mask: number;
  private count: number;

  constructor(capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1 || capacity > 0x10000) throw new RangeError('SSRC table: capacity from 1 to 65536');
    const bits = Math.max(2, Math.ceil(Math.log2(capacity * 2)));
    this.capacity = capacity;
    this.keys = new Int32Array(1 << bits);
    this.values = new Array<T | undefined>(1 << bits).fill(undefined);
    this.shift = 32 - bits;
    this.mask = (1 << bits) - 1;
    this.count = 0;
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

  /** Adds or replaces; false (and nothing stored) when a new key would pass the capacity. */
  set(buf: Uint8Array, at: number, value: T): boolean {
    const ssrc = readI32(buf, at);
    for (let i = this.slot(ssrc); ; i = (i + 1) & this.mask) {
      if (this.values[i] === undefined) {
        if (this.count >= this.capacity) return false;
        this.count++;
        this.keys[i] = ssrc;
        this.values[i] = value;
        return true;
      }
      if (this.keys[i] === ssrc) {
        this.values[i] = value;
        return true;
      }
    }
  }

  clear(): void {
    this.values.fill(undefined);
    this.count = 0;
  }

  private slot(ssrc: number): number {
    return Math.imul(ssrc, 0x9e3779b1) >>> this.shift;
  }
}

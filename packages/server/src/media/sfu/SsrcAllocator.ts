import { randomInt } from 'node:crypto';

/** Random SSRCs (RFC 3550 8.1), unique within the engine so no two of our streams collide anywhere. */
export class SsrcAllocator {
  private readonly used = new Set<number>();

  allocate(): number {
    for (;;) {
      const ssrc = randomInt(1, 0x100000000);
      if (!this.used.has(ssrc)) {
        this.used.add(ssrc);
        return ssrc;
      }
    }
  }

  release(ssrc: number): void {
    this.used.delete(ssrc);
  }
}

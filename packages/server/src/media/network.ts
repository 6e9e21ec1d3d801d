import { getHostAddresses } from 'werift';
import { MediaError } from './errors';

/**
 * The extra host-candidate addresses every transport announces. werift gathers one candidate per
 * non-internal interface address on its own; loopback is internal, so a machine (or a test's
 * network namespace) with nothing but `lo` would gather none. Then, or when asked, 127.0.0.1 is
 * added, which is what lets browsers and headless peers on the same host connect.
 */
export function extraHostAddresses(announced: readonly string[], includeLoopback: boolean | undefined): string[] {
  const loopback = includeLoopback ?? getHostAddresses(true, false).length === 0;
  return [...new Set([...announced, ...(loopback ? ['127.0.0.1'] : [])])];
}

/** How many UDP sockets werift opens per (max-bundle) transport: one per host address. */
export function socketsPerTransport(extra: readonly string[]): number {
  return new Set([...getHostAddresses(true, true), ...extra]).size;
}

/**
 * Hands each transport its own slice of the configured port range. werift's port search walks the
 * whole range from the bottom, probing each port by binding and closing it, then binds for real:
 * two transports gathering at once can pick the same port, and the losing socket's bind error has
 * no listener, which would crash the process. Disjoint slices make that impossible between our
 * own transports (and turn the O(range) walk into O(slice)).
 */
export class PortBlocks {
  private readonly free: number[] = [];

  constructor(
    min: number,
    max: number,
    /** werift insists on min < max, so a slice is at least two ports. */
    readonly size: number,
  ) {
    if (!Number.isInteger(min) || !Number.isInteger(max) || min < 1 || max > 65535 || max - min + 1 < size) {
      throw MediaError.invalidArgument(`rtc port range ${min}-${max} must hold at least ${size} ports`);
    }
    for (let start = max - size + 1; start >= min; start -= size) this.free.push(start);
  }

  get available(): number {
    return this.free.length;
  }

  acquire(): [number, number] {
    const start = this.free.pop();
    if (start === undefined) throw MediaError.unavailable('no free UDP ports left in the rtc port range');
    return [start, start + this.size - 1];
  }

  release(block: [number, number]): void {
    this.free.push(block[0]);
  }
}

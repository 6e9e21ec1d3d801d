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
 * Hands each transport its own slice of the configured port range. werift alone gives every
 * transport the whole range and walks it from the bottom, probing each port by binding it: that
 * is O(range) binds per transport, and when the range is full the candidate is silently missing
 * (werift logs at debug level) so the transport just never connects. With slices the walk ends at
 * once and a full range is an explicit 'unavailable' error from createTransport.
 * A slice is `perTransport` ports plus one spare shared with the next slice (werift insists on
 * min < max, and the spare covers a port some other process took).
 */
export class PortBlocks {
  private readonly free: number[] = [];

  constructor(
    min: number,
    max: number,
    private readonly perTransport: number,
  ) {
    if (!Number.isInteger(min) || !Number.isInteger(max) || min < 1 || max > 65535 || max - min < perTransport) {
      throw MediaError.invalidArgument(`rtc port range ${min}-${max} must hold at least ${perTransport + 1} ports`);
    }
    for (let start = min; start + perTransport <= max; start += perTransport) this.free.push(start);
    this.free.reverse(); // hand out the lowest first
  }

  get available(): number {
    return this.free.length;
  }

  acquire(): [number, number] {
    const start = this.free.pop();
    if (start === undefined) throw MediaError.unavailable('no free UDP ports left in the rtc port range');
    return [start, start + this.perTransport];
  }

  release(block: [number, number]): void {
    this.free.push(block[0]);
  }
}

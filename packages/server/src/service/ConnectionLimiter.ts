import { isIPv6 } from 'node:net';

/**
 * Open connections per client address (CONFAB_MAX_CONNECTIONS_PER_IP). IPv6 clients are counted
 * per /64, the block one host or home usually gets: otherwise a single machine could take as
 * many slots as it has addresses.
 */
export class ConnectionLimiter {
  private readonly open = new Map<string, number>();

  /** `max` connections per address; 0 means no limit. */
  constructor(private readonly max: number) {}

  /** Takes a slot for `address`: a release function to call once, on close; undefined when full. */
  acquire(address: string): (() => void) | undefined {
    const key = addressKey(address);
    const count = this.open.get(key) ?? 0;
    if (this.max > 0 && count >= this.max) return undefined;
    this.open.set(key, count + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.open.get(key) ?? 1) - 1;
      if (left > 0) this.open.set(key, left);
      else this.open.delete(key);
    };
  }

  /** Connections counted for the address (or its /64). */
  count(address: string): number {
    return this.open.get(addressKey(address)) ?? 0;
  }

  /** Addresses with at least one connection: a leak shows here first. */
  get addresses(): number {
    return this.open.size;
  }
}

/** The key connections are counted under: an IPv4 address (also when IPv4-mapped), or an IPv6 /64. */
export function addressKey(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return mapped[1]!;
  if (!isIPv6(address)) return address;
  return `${expandIPv6(address).slice(0, 4).join(':')}::/64`;
}

/** The eight 16-bit groups of an IPv6 address, '::' filled in, without leading zeros. */
function expandIPv6(address: string): string[] {
  const [head = '', tail] = address.split('%')[0]!.toLowerCase().split('::');
  const parse = (part: string) => (part === '' ? [] : part.split(':').map((group) => parseInt(group, 16).toString(16)));
  const front = parse(head);
  const back = tail === undefined ? [] : parse(tail);
  return [...front, ...Array<string>(8 - front.length - back.length).fill('0'), ...back];
}

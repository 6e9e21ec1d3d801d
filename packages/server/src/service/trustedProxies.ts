import { BlockList, isIP } from 'node:net';

/** Which peers may tell us the client's address (CONFAB_TRUST_PROXY). */
export interface TrustedProxies {
  /** True if `address` (a socket's remote address) is one of the listed proxies. */
  trusts(address: string): boolean;
  readonly empty: boolean;
}

/**
 * Parses CONFAB_TRUST_PROXY: comma-separated addresses and CIDR blocks, IPv4 or IPv6
 * (`10.0.0.5, 192.168.0.0/24, ::1, fd00::/8`). Anything else is a RangeError naming the entry.
 */
export function parseTrustedProxies(raw: string | undefined): TrustedProxies {
  const list = new BlockList();
  let count = 0;
  for (const entry of (raw ?? '').split(',').map((s) => s.trim()).filter(Boolean)) {
    const [address = '', prefix, extra] = entry.split('/');
    const family = isIP(address);
    const bits = prefix === undefined ? undefined : Number(prefix);
    const maxBits = family === 6 ? 128 : 32;
    if (family === 0 || extra !== undefined || (bits !== undefined && (!/^\d+$/.test(prefix!) || bits > maxBits))) {
      throw new RangeError(`CONFAB_TRUST_PROXY: "${entry}" is not an IP address or CIDR block (like 10.0.0.5 or 10.0.0.0/8)`);
    }
    const type = family === 6 ? 'ipv6' : 'ipv4';
    if (bits === undefined) list.addAddress(address, type);
    else list.addSubnet(address, bits, type);
    count++;
  }
  return {
    empty: count === 0,
    trusts(address) {
      if (count === 0) return false;
      const plain = unmapIPv4(address);
      const family = isIP(plain);
      return family !== 0 && list.check(plain, family === 6 ? 'ipv6' : 'ipv4');
    },
  };
}

/**
 * The client's address for per-address limits and logs. Only a trusted proxy's X-Forwarded-For is
 * read, and from the right: each trusted hop appended the address it saw, so the right-most entry
 * that is not itself a trusted proxy is the first address nobody we trust vouches for beyond. Entries
 * left of it were written by the client and could be anything. If every entry is a trusted proxy
 * (or the list is garbage beyond them), the left-most trusted one reached is the answer.
 */
export function clientAddress(peer: string, forwardedFor: string | string[] | undefined, proxies: TrustedProxies): string {
  if (forwardedFor === undefined || !proxies.trusts(peer)) return peer;
  const hops = (Array.isArray(forwardedFor) ? forwardedFor.join(',') : forwardedFor).split(',');
  let client = peer;
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = plainAddress(hops[i]!);
    if (hop === undefined) break; // not an address: no trusted proxy wrote it
    client = hop;
    if (!proxies.trusts(hop)) break;
  }
  return client;
}

/** An X-Forwarded-For entry as a bare address: spaces, `[v6]:port` and `v4:port` forms stripped. */
function plainAddress(entry: string): string | undefined {
  let s = entry.trim();
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(s);
  if (bracketed) s = bracketed[1]!;
  else if (/^\d+\.\d+\.\d+\.\d+:\d+$/.test(s)) s = s.slice(0, s.lastIndexOf(':'));
  return isIP(s) === 0 ? undefined : unmapIPv4(s);
}

function unmapIPv4(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return mapped ? mapped[1]! : address;
}

/**
 * IP addresses between their text form (as Node's dgram/net report them) and network bytes, for
 * (XOR-)MAPPED-ADDRESS. IPv6 text follows RFC 5952 (lowercase, longest zero run as "::"), which
 * is what Node prints, so parsed addresses compare equal to `rinfo.address`.
 */

/** Writes the address into `out` at `offset` (4 or 16 bytes); returns 4, 6, or 0 if it isn't an IP. */
export function writeIpAddress(address: string, out: Uint8Array, offset: number): 4 | 6 | 0 {
  const mapped = unmapIpv4(address);
  if (mapped !== null) return writeIpv4(mapped, out, offset) ? 4 : 0;
  return writeIpv6(address, out, offset) ? 6 : 0;
}

/** '::ffff:1.2.3.4' (an IPv4 peer on a dual-stack socket) -> '1.2.3.4'; a plain IPv4 as is; else null. */
export function unmapIpv4(address: string): string | null {
  if (address.indexOf(':') < 0) return address;
  const lower = address.toLowerCase();
  return lower.startsWith('::ffff:') && lower.indexOf('.') > 0 ? lower.slice(7) : null;
}

/** A dotted IPv4 address as a host-order int32 (as the native sendmmsg takes it); null if it is not one. */
export function parseIpv4(address: string): number | null {
  const parts = address.split('.');
  if (parts.length !== 4) return null;
  let n = 0;
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part)) return null;
    const octet = Number(part);
    if (octet > 255) return null;
    n = (n << 8) | octet;
  }
  return n;
}

/** A host-order int32 IPv4 address (parseIpv4's) as a dotted quad. */
export function intToIpv4(ip4: number): string {
  return `${(ip4 >>> 24) & 255}.${(ip4 >>> 16) & 255}.${(ip4 >>> 8) & 255}.${ip4 & 255}`;
}

function writeIpv4(address: string, out: Uint8Array, offset: number): boolean {
  const n = parseIpv4(address);
  if (n === null) return false;
  out[offset] = n >>> 24;
  out[offset + 1] = (n >>> 16) & 0xff;
  out[offset + 2] = (n >>> 8) & 0xff;
  out[offset + 3] = n & 0xff;
  return true;
}

function writeIpv6(address: string, out: Uint8Array, offset: number): boolean {
  const zone = address.indexOf('%');
  const text = zone >= 0 ? address.slice(0, zone) : address;
  const halves = text.split('::');
  if (halves.length > 2) return false;
  const head = halves[0] === '' ? [] : halves[0]!.split(':');
  const tail = halves.length === 2 && halves[1] !== '' ? halves[1]!.split(':') : [];
  const groups: number[] = [];
  const pushGroups = (list: string[], allowV4Last: boolean): boolean => {
    for (let i = 0; i < list.length; i++) {
      const g = list[i]!;
      if (allowV4Last && i === list.length - 1 && g.indexOf('.') > 0) {
        const v4 = new Uint8Array(4);
        if (!writeIpv4(g, v4, 0)) return false;
        groups.push((v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!);
      } else {
        if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return false;
        groups.push(parseInt(g, 16));
      }
    }
    return true;
  };
  if (!pushGroups(head, tail.length === 0 && halves.length === 1)) return false;
  const headCount = groups.length;
  if (!pushGroups(tail, true)) return false;
  const missing = 8 - groups.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return false;
  groups.splice(headCount, 0, ...new Array<number>(missing).fill(0));
  for (let i = 0; i < 8; i++) {
    out[offset + 2 * i] = groups[i]! >> 8;
    out[offset + 2 * i + 1] = groups[i]! & 0xff;
  }
  return true;
}

export function formatIpv4(bytes: Uint8Array, offset: number): string {
  return `${bytes[offset]}.${bytes[offset + 1]}.${bytes[offset + 2]}.${bytes[offset + 3]}`;
}

export function formatIpv6(bytes: Uint8Array, offset: number): string {
  const groups: number[] = [];
  for (let i = 0; i < 8; i++) groups.push((bytes[offset + 2 * i]! << 8) | bytes[offset + 2 * i + 1]!);
  // Longest run of two or more zero groups becomes "::" (the first one on a tie).
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLength).join(':')}`;
}

import { networkInterfaces } from 'node:os';
import type { IceProtocol } from './IcePath';

/** One local candidate, as `a=candidate` (RFC 8839 5.1) and RFCIceCandidate carry it. */
export interface IceCandidate {
  foundation: string;
  component: 1;
  protocol: IceProtocol;
  priority: number;
  address: string;
  port: number;
  type: 'host';
  /** ICE-TCP: we only accept connections (RFC 6544 4.5). */
  tcpType?: 'passive';
}

const HOST_TYPE_PREFERENCE = 126;
/** RFC 6544 4.2: direction preference of a passive host candidate (active 6, passive 4, S-O 2). */
const TCP_PASSIVE_DIRECTION = 4;

/**
 * Our candidates: one host candidate per announced address and protocol (RFC 8445 5.1.2.1
 * priorities; UDP above TCP so a browser that can use UDP does, earlier addresses above later).
 */
export function hostCandidates(
  announcedAddresses: readonly string[],
  ports: { udp: number | null; tcp: number | null },
): IceCandidate[] {
  const candidates: IceCandidate[] = [];
  announcedAddresses.forEach((address, index) => {
    if (ports.udp !== null) {
      candidates.push({
        foundation: `u${index}`,
        component: 1,
        protocol: 'udp',
        priority: priority(65535 - index),
        address,
        port: ports.udp,
        type: 'host',
      });
    }
    if (ports.tcp !== null) {
      candidates.push({
        foundation: `t${index}`,
        component: 1,
        protocol: 'tcp',
        priority: priority((TCP_PASSIVE_DIRECTION << 13) | (8191 - index)),
        address,
        port: ports.tcp,
        type: 'host',
        tcpType: 'passive',
      });
    }
  });
  return candidates;
}

function priority(localPreference: number): number {
  return HOST_TYPE_PREFERENCE * 2 ** 24 + localPreference * 2 ** 8 + (256 - 1);
}

/** The attribute value, e.g. `candidate:u0 1 udp 2130706431 203.0.113.7 40000 typ host` (no "a="). */
export function candidateToSdp(c: IceCandidate): string {
  const base =
    `candidate:${c.foundation} ${c.component} ${c.protocol} ${c.priority} ` +
    `${c.address} ${c.port} typ ${c.type}`;
  return c.tcpType === undefined ? base : `${base} tcptype ${c.tcpType}`;
}

/**
 * Addresses to announce when none are configured: the bind address if it is a specific one,
 * otherwise every non-internal IPv4 interface address, or 127.0.0.1 on a machine (or a test
 * namespace) with only loopback.
 */
export function defaultAnnouncedAddresses(bindAddress: string): string[] {
  if (bindAddress !== '0.0.0.0' && bindAddress !== '::') return [bindAddress];
  const addresses = Object.values(networkInterfaces())
    .flatMap((list) => list ?? [])
    .filter((info) => info.family === 'IPv4' && !info.internal)
    .map((info) => info.address);
  return addresses.length > 0 ? addresses : ['127.0.0.1'];
}

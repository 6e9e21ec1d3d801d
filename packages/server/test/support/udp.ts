import { readFileSync, readdirSync, readlinkSync } from 'node:fs';

/**
 * This process's UDP sockets as the kernel sees them: file descriptors pointing at a socket listed
 * in /proc/net/udp{,6}, with the local port of each. (Counting Node's handles would trust the
 * thing under test.) Linux only, like the tests' network namespaces.
 */
export function openUdpPorts(): number[] {
  const portByInode = new Map<string, number>();
  for (const table of ['/proc/net/udp', '/proc/net/udp6']) {
    let text = '';
    try {
      text = readFileSync(table, 'utf8');
    } catch {
      continue; // no IPv6 in this namespace
    }
    for (const line of text.split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      const local = fields[1];
      const inode = fields[9];
      if (local && inode) portByInode.set(inode, parseInt(local.split(':').at(-1)!, 16));
    }
  }
  const ports: number[] = [];
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      const match = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/self/fd/${fd}`));
      const port = match ? portByInode.get(match[1]!) : undefined;
      if (port !== undefined) ports.push(port);
    } catch {
      // closed while we looked
    }
  }
  return ports;
}

export function openUdpSockets(): number {
  return openUdpPorts().length;
}

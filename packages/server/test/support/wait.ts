import { readFileSync, readdirSync, readlinkSync } from 'node:fs';

/** Polls `condition` until it holds; fails with `what` after `timeoutMs`. Never asserts on speed. */
export async function waitFor(condition: () => boolean, timeoutMs: number, what: string | (() => string)): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for: ${typeof what === 'string' ? what : what()}`);
    await sleep(25);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Open UDP sockets of this process, counted by the kernel: file descriptors that point at a
 * socket listed in /proc/net/udp{,6}. (werift unrefs its sockets, so Node's active-resource
 * lists do not show them.) Linux only, like the tests' network namespaces.
 */
export function openUdpSockets(): number {
  const inodes = new Set<string>();
  for (const table of ['/proc/net/udp', '/proc/net/udp6']) {
    let text = '';
    try {
      text = readFileSync(table, 'utf8');
    } catch {
      continue; // no IPv6 in this namespace
    }
    for (const line of text.split('\n').slice(1)) {
      const inode = line.trim().split(/\s+/)[9];
      if (inode) inodes.add(inode);
    }
  }
  let count = 0;
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      const match = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/self/fd/${fd}`));
      if (match && inodes.has(match[1]!)) count++;
    } catch {
      // closed while we looked
    }
  }
  return count;
}

import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

let clockTicks: number | undefined;

/** Clock ticks per second for /proc/<pid>/stat times (`getconf CLK_TCK`, normally 100). */
export function clockTicksPerSecond(): number {
  if (clockTicks === undefined) {
    const raw = execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8', timeout: 5_000 }).trim();
    const value = Number(raw);
    clockTicks = Number.isInteger(value) && value > 0 ? value : 100;
  }
  return clockTicks;
}

export interface CpuTimes {
  /** Seconds of user and system CPU time the process has used so far. */
  user: number;
  system: number;
}

/** utime and stime of a process (fields 14 and 15 of /proc/<pid>/stat). */
export function processCpu(pid: number): CpuTimes {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) may contain spaces and parentheses: split after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = clockTicksPerSecond();
  // fields[0] is field 3 (state), so utime (14) is fields[11], stime (15) fields[12].
  return { user: Number(fields[11]) / ticks, system: Number(fields[12]) / ticks };
}

/** Resident set size in bytes (VmRSS from /proc/<pid>/status). */
export function processRss(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
  return match ? Number(match[1]) * 1024 : 0;
}

/** Datagrams the kernel dropped so far at UDP sockets of this network namespace (their receive buffers were full). */
export interface UdpDrops {
  /** At the sockets process `pid` holds. */
  process: number;
  /** At every other socket: on a loopback bench, the load generator's and the publisher's. */
  others: number;
}

/**
 * Kernel drops per UDP socket (the last column of /proc/net/udp and udp6), split between the
 * sockets of process `pid` (found by inode among its /proc/<pid>/fd links) and the rest: where a
 * loss seen by the subscribers happened, the server's receive buffer or the generator's.
 */
export function udpDrops(pid: number): UdpDrops {
  const own = new Set<string>();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    let link: string;
    try {
      link = readlinkSync(`/proc/${pid}/fd/${fd}`);
    } catch {
      continue; // closed since the listing
    }
    const inode = /^socket:\[(\d+)\]$/.exec(link)?.[1];
    if (inode !== undefined) own.add(inode);
  }
  const drops: UdpDrops = { process: 0, others: 0 };
  for (const table of ['/proc/net/udp', '/proc/net/udp6']) {
    let text: string;
    try {
      text = readFileSync(table, 'utf8');
    } catch {
      continue; // no IPv6 here
    }
    for (const line of text.split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      // sl local rem st tx:rx tr:when retrnsmt uid timeout inode ref pointer drops
      if (fields.length < 13) continue;
      const dropped = Number(fields[12]);
      if (own.has(fields[9]!)) drops.process += dropped;
      else drops.others += dropped;
    }
  }
  return drops;
}

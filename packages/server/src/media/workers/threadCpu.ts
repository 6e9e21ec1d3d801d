import { readFileSync } from 'node:fs';

/**
 * CPU time of the calling thread in seconds: the first field of /proc/thread-self/schedstat
 * (nanoseconds on a CPU). process.cpuUsage() counts the whole process, every worker included.
 * 0 where the kernel does not say (not Linux).
 */
export function threadCpuSeconds(): number {
  try {
    return Number(readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ', 1)[0]) / 1e9 || 0;
  } catch {
    return 0;
  }
}

/** Linux reports per-thread times in /proc in USER_HZ ticks, which is 100 on every architecture Node runs on. */
const USER_HZ = 100;

/**
 * The part of the calling thread's CPU time spent in the kernel, in seconds: field 15 (stime) of
 * /proc/thread-self/stat, 10 ms resolution. 0 where the kernel does not say.
 */
export function threadSystemCpuSeconds(): number {
  try {
    const stat = readFileSync('/proc/thread-self/stat', 'utf8');
    // The command name (field 2) is in parentheses and may hold spaces: count fields after it.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[12]) / USER_HZ || 0;
  } catch {
    return 0;
  }
}

/** The kernel's id of the calling thread (`/proc/<pid>/task/<tid>`), or null where there is no /proc. */
export function threadId(): number | null {
  try {
    const id = Number(readFileSync('/proc/thread-self/stat', 'utf8').split(' ', 1)[0]);
    return Number.isInteger(id) ? id : null;
  } catch {
    return null;
  }
}

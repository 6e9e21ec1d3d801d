import { readFileSync } from 'node:fs';

/**
 * CPU time of thread `tid` of this process in seconds, null where the kernel does not say (not
 * Linux, or the thread has ended): the first field of /proc/self/task/<tid>/schedstat (nanoseconds
 * on a CPU). Read by the main thread for a media worker whenever it is asked, so the worker itself
 * never wakes up for it; process.cpuUsage() would count the whole process.
 */
export function threadCpuSeconds(tid: number): number | null {
  try {
    const ns = Number(readFileSync(`/proc/self/task/${tid}/schedstat`, 'utf8').split(' ', 1)[0]);
    return Number.isFinite(ns) ? ns / 1e9 : null;
  } catch {
    return null;
  }
}

/** Linux reports per-thread times in /proc in USER_HZ ticks, which is 100 on every architecture Node runs on. */
const USER_HZ = 100;

/**
 * The part of thread `tid`'s CPU time spent in the kernel, in seconds: field 15 (stime) of
 * /proc/self/task/<tid>/stat, 10 ms resolution. null where the kernel does not say.
 */
export function threadSystemCpuSeconds(tid: number): number | null {
  try {
    const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
    // The command name (field 2) is in parentheses and may hold spaces: count fields after it.
    const ticks = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[12]);
    return Number.isFinite(ticks) ? ticks / USER_HZ : null;
  } catch {
    return null;
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

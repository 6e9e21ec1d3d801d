import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

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

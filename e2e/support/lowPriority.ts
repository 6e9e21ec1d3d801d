/**
 * Browsers at the lowest CPU priority. On this machine the people's browsers share two cores with
 * the server; their encoders (three simulcast layers each) could take the CPU the server's threads
 * need, and then measure the testbed. At the lowest priority they get what the server leaves, as
 * if they ran on machines of their own.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { constants, setPriority } from 'node:os';

/** The pids of every live descendant of `root`, from /proc (Linux). */
function descendants(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // gone meanwhile
    }
    // The command name (field 2) may hold spaces and parentheses: the fields after its last ')' are plain.
    const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    const list = children.get(parent);
    if (list) list.push(Number(entry));
    else children.set(parent, [Number(entry)]);
  }
  const found: number[] = [];
  const walk = (pid: number): void => {
    for (const child of children.get(pid) ?? []) {
      found.push(child);
      walk(child);
    }
  };
  walk(root);
  return found;
}

/**
 * Runs `launch` (a browser), then gives every process it started (the browser with its zygote,
 * whose later renderers inherit the priority) the lowest CPU priority.
 */
export async function launchAtLowPriority<T>(launch: () => Promise<T>): Promise<T> {
  const before = new Set(descendants(process.pid));
  const launched = await launch();
  for (const pid of descendants(process.pid)) {
    if (before.has(pid)) continue;
    try {
      setPriority(pid, constants.priority.PRIORITY_LOW);
    } catch {
      // exited meanwhile
    }
  }
  return launched;
}

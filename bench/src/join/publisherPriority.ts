/**
 * The people already in the room publish from their own machines. Here their Chromium pages share
 * this machine's two cores with the joiner, and their encoders (three simulcast layers each) took
 * the CPU the joiner's page needed: the join measured the testbed. Their browser runs at the
 * lowest priority instead, so the joiner's page and the server get the cores first and the
 * publishers the rest.
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

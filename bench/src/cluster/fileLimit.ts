import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** This process's limit on open files (`ulimit -n`). Node raises its soft limit to the hard one at start. */
export function openFileLimit(): number {
  const line = readFileSync('/proc/self/limits', 'utf8').split('\n').find((l) => l.startsWith('Max open files'));
  const soft = (line ?? '').split(/\s{2,}/)[1];
  return soft === 'unlimited' ? Infinity : Number(soft ?? 1024);
}

/**
 * When the limit is below `needed`, runs this same command again under `ulimit -n <needed>` (which
 * raises the hard limit too where that is allowed, e.g. as root in the bench's namespace; the
 * cluster's processes inherit it) and exits with its status. Returns at once when the limit is
 * enough, and in the re-run: if the shell could not raise it, the caller sizes down to it.
 */
export function ensureOpenFiles(needed: number): void {
  if (openFileLimit() >= needed || process.env.CONFAB_BENCH_ULIMIT_TRIED) return;
  const child = spawnSync('sh', ['-c', `ulimit -n ${needed} 2>/dev/null; exec "$0" "$@"`, process.execPath, ...process.execArgv, ...process.argv.slice(1)], {
    stdio: 'inherit',
    env: { ...process.env, CONFAB_BENCH_ULIMIT_TRIED: '1' },
  });
  process.exit(child.status ?? 1);
}

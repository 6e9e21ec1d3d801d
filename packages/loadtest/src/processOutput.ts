import type { ChildProcess } from 'node:child_process';

/**
 * Keeps the last `limit` non-empty lines a child process writes (stdout and stderr) in `output`,
 * for failure reports, and hands each to `onLine` as it comes.
 */
export function keepOutput(child: ChildProcess, output: string[], limit: number, onLine?: (line: string) => void): void {
  const keep = (chunk: Buffer) => {
    for (const line of chunk.toString().split('\n')) {
      if (!line.trim()) continue;
      output.push(line);
      onLine?.(line);
    }
    if (output.length > limit) output.splice(0, output.length - limit);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
}

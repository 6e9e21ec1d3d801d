import { createWriteStream, mkdtempSync, writeFileSync, type WriteStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The cluster's output in files, one per process (`node-1.log`, `haproxy.log`, `redis.log`), for looking into a bad run. */
export class ProcessLogs {
  readonly dir = mkdtempSync(join(tmpdir(), 'confab-bench-cluster-'));
  private readonly files = new Map<string, WriteStream>();

  line(name: string, line: string): void {
    let file = this.files.get(name);
    if (!file) {
      file = createWriteStream(join(this.dir, `${name}.log`), { flags: 'a' });
      this.files.set(name, file);
    }
    file.write(`${line}\n`);
  }

  /** Writes what the cluster kept elsewhere (Redis's last lines) and closes the files. */
  async close(redisOutput: readonly string[]): Promise<void> {
    writeFileSync(join(this.dir, 'redis.log'), `${redisOutput.join('\n')}\n`);
    await Promise.all([...this.files.values()].map((f) => new Promise((resolve) => f.end(resolve))));
  }
}

import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { processCpu, type CpuTimes } from '@confab/loadtest';
import type { CensusReport, FanoutReport, GeneratorCommand, GeneratorReport, JoinReport } from './protocol';

type Asked = Exclude<GeneratorCommand, { op: 'close' }>;
type Reply<T extends Asked['op']> = T extends 'join' ? JoinReport : T extends 'fanout' ? FanoutReport : T extends 'census' ? CensusReport : { op: 'heartbeat_set' };
const REPLY_OP: Record<Asked['op'], GeneratorReport['op']> = { join: 'joined', fanout: 'fanned_out', census: 'census', heartbeat: 'heartbeat_set' };

/** One load-generator child process (generator.ts): commands out, reports back, one command at a time. */
export class GeneratorProcess {
  private waiting: { op: string; resolve: (r: GeneratorReport) => void; reject: (e: Error) => void } | undefined;

  private constructor(
    private readonly child: ChildProcess,
    readonly index: number,
    onProgress: (joined: number) => void,
  ) {
    child.on('message', (report: GeneratorReport) => {
      if (report.op === 'progress') return onProgress(report.joined);
      const waiting = this.waiting;
      if (!waiting) return;
      this.waiting = undefined;
      if (report.op === 'error') waiting.reject(new Error(`generator ${index}: ${report.message}`));
      else if (report.op === waiting.op) waiting.resolve(report);
      else waiting.reject(new Error(`generator ${index}: expected ${waiting.op}, got ${report.op}`));
    });
    child.on('exit', (code) => this.waiting?.reject(new Error(`generator ${index} exited (${code})`)));
  }

  static start(index: number, onProgress: (joined: number) => void): GeneratorProcess {
    const child = fork(fileURLToPath(new URL('./generator.ts', import.meta.url)), [], {
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    return new GeneratorProcess(child, index, onProgress);
  }

  get pid(): number {
    return this.child.pid!;
  }

  cpu(): CpuTimes {
    return processCpu(this.pid);
  }

  ask<T extends Asked['op']>(command: Extract<Asked, { op: T }>): Promise<Reply<T>> {
    if (this.waiting) return Promise.reject(new Error(`generator ${this.index} is busy`));
    return new Promise((resolve, reject) => {
      this.waiting = { op: REPLY_OP[command.op as Asked['op']], resolve: resolve as (r: GeneratorReport) => void, reject };
      this.child.send(command);
    });
  }

  /** Closes its sessions and lets it exit; killed if it has not within 5 s. */
  async close(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.send({ op: 'close' } satisfies GeneratorCommand);
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  }
}

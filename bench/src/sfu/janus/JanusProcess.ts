import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:net';
import { clockTicksPerSecond, freePort, processCpu, processRss, sleep, withTimeout, type CpuTimes } from '@confab/loadtest';
import { writeJanusConfig } from './janusConfig';

/** The thread of Janus's first static event loop (`hloop 0` in /proc/<pid>/task/<tid>/comm). */
const LOOP_THREAD_NAME = 'hloop 0';
const READY_TIMEOUT_MS = 20_000;

/** Why Janus cannot run here (not installed, or no address it would gather on), or null. The bench installs nothing itself. */
export function janusUnavailable(): string | null {
  const probe = spawnSync('janus', ['--version'], { encoding: 'utf8', timeout: 10_000 });
  // `janus --version` prints its version and exits with 1.
  if (probe.error || !/Janus version/.test(probe.stdout)) return 'janus is not installed (Debian: apt-get install janus)';
  if (iceAddress() === undefined) return 'no non-loopback IPv4 address for Janus to gather on (Janus skips loopback: in a namespace, add a veth pair with an address, see docs/benchmarks.md "Janus in the same run")';
  return null;
}

/** The first local non-loopback IPv4 address: where Janus's ICE candidate goes. */
function iceAddress(): string | undefined {
  return Object.values(networkInterfaces())
    .flat()
    .find((a) => a && a.family === 'IPv4' && !a.internal)?.address;
}

/**
 * Janus (Debian's `janus`, 1.1.x) as a child process on loopback, with a minimal configuration
 * written to a temp directory (janusConfig.ts). Its CPU is read from /proc as our server's is.
 */
export class JanusProcess {
  readonly output: string[] = [];
  private exited = false;
  private loopThread: string | undefined;

  private constructor(
    private readonly child: ChildProcess,
    private readonly dir: string,
    readonly wsPort: number,
    private readonly eventLoops: 0 | 1,
  ) {
    const keep = (chunk: Buffer) => {
      for (const line of chunk.toString().split('\n')) if (line.trim()) this.output.push(line);
      if (this.output.length > 200) this.output.splice(0, this.output.length - 200);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    child.on('exit', () => (this.exited = true));
  }

  /** `eventLoops`: see JanusConfigOptions. */
  static async start(eventLoops: 0 | 1): Promise<JanusProcess> {
    const dir = mkdtempSync(join(tmpdir(), 'confab-janus-'));
    const wsPort = await freePort();
    // ICE ports from a range of their own, above the WebSocket's, below the kernel's ephemeral ones.
    const rtpBase = 20_000 + Math.floor(Math.random() * 8) * 1_000;
    const address = iceAddress();
    if (address === undefined) throw new Error(janusUnavailable() ?? 'no address for Janus');
    const config = writeJanusConfig({ dir, wsPort, rtpPorts: [rtpBase, rtpBase + 999], iceAddress: address, eventLoops });
    const child = spawn('janus', ['-C', config, '-F', dir, '-o'], { stdio: ['ignore', 'pipe', 'pipe'] });
    const janus = new JanusProcess(child, dir, wsPort, eventLoops);
    try {
      await withTimeout(janus.waitListening(), READY_TIMEOUT_MS, 'janus WebSocket');
    } catch (error) {
      await janus.stop();
      throw new Error(`janus did not start: ${(error as Error).message}\n${janus.output.slice(-20).join('\n')}`);
    }
    return janus;
  }

  get pid(): number {
    if (this.child.pid === undefined) throw new Error('janus has no pid');
    return this.child.pid;
  }

  get url(): string {
    return `ws://127.0.0.1:${this.wsPort}`;
  }

  cpu(): CpuTimes {
    return processCpu(this.pid);
  }

  rss(): number {
    return processRss(this.pid);
  }

  /**
   * The static event loop thread's CPU (with one loop, all handles' ICE, DTLS, SRTP and sending
   * run there): total from schedstat (ns), system time from stat (ticks). Undefined with a loop
   * per handle, or before the thread exists.
   */
  loopThreadCpu(): { total: number; system: number } | undefined {
    if (this.eventLoops !== 1) return undefined;
    const task = `/proc/${this.pid}/task`;
    this.loopThread ??= readdirSync(task).find((tid) => readFileSync(join(task, tid, 'comm'), 'utf8').startsWith(LOOP_THREAD_NAME));
    if (this.loopThread === undefined) return undefined;
    const total = Number(readFileSync(join(task, this.loopThread, 'schedstat'), 'utf8').split(' ', 1)[0]) / 1e9;
    const stat = readFileSync(join(task, this.loopThread, 'stat'), 'utf8');
    const system = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[12]) / clockTicksPerSecond();
    return { total, system };
  }

  /** SIGTERM, then SIGKILL; the temp directory goes either way. */
  async stop(): Promise<void> {
    if (!this.exited) {
      const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
      this.child.kill('SIGTERM');
      await withTimeout(exited, 10_000, 'janus exit').catch(async () => {
        this.child.kill('SIGKILL');
        await withTimeout(exited, 5_000, 'janus exit after SIGKILL').catch(() => undefined);
      });
    }
    rmSync(this.dir, { recursive: true, force: true });
  }

  private async waitListening(): Promise<void> {
    for (;;) {
      if (this.exited) throw new Error('janus exited');
      const open = await new Promise<boolean>((resolve) => {
        const socket = connect(this.wsPort, '127.0.0.1', () => {
          socket.destroy();
          resolve(true);
        });
        socket.on('error', () => resolve(false));
      });
      if (open) return;
      await sleep(100);
    }
  }
}

/**
 * The real redis-server (Debian package `redis-server`) for cluster tests: its own free port, its
 * own temporary folder, no persistence (a restart starts empty, like a Redis that lost its data),
 * and helpers to stop, restart and stall it as an outage would.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './ServerProcess';
import { sleep } from './time';
import { keepOutput } from './processOutput';

const run = promisify(execFile);

export interface RedisOptions {
  /** requirepass: clients must AUTH with it. */
  password?: string;
  /** Addresses to listen on; default 127.0.0.1. Loopback has all of 127/8, so tests can give a node its own address. */
  bind?: string[];
  /** Default: a free port picked now. */
  port?: number;
}

export class RedisProcess {
  readonly output: string[] = [];
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();

  private constructor(
    private readonly dir: string,
    readonly port: number,
    private readonly options: RedisOptions,
  ) {}

  static async start(options: RedisOptions = {}): Promise<RedisProcess> {
    const redis = new RedisProcess(mkdtempSync(join(tmpdir(), 'confab-redis-')), options.port ?? (await freePort()), options);
    try {
      await redis.launch();
    } catch (error) {
      await redis.stop();
      throw error;
    }
    return redis;
  }

  /** `redis://[:password@]host:port` for CONFAB_REDIS_URL; `host` must be one of the bound addresses. */
  url(host = this.addresses[0]!, password = this.options.password): string {
    return `redis://${password === undefined ? '' : `:${encodeURIComponent(password)}@`}${host}:${this.port}`;
  }

  get running(): boolean {
    return this.child !== undefined;
  }

  /** One redis-cli command; its reply as text. */
  async cli(...args: string[]): Promise<string> {
    const auth = this.options.password === undefined ? [] : ['-a', this.options.password, '--no-auth-warning'];
    const { stdout } = await run('redis-cli', ['-h', this.addresses[0]!, '-p', String(this.port), ...auth, ...args], { timeout: 10_000 });
    return stdout.trim();
  }

  /** INFO commandstats as calls per command, e.g. { evalsha: 12, publish: 30 }. */
  async commandCalls(): Promise<Record<string, number>> {
    const calls: Record<string, number> = {};
    for (const line of (await this.cli('INFO', 'commandstats')).split('\n')) {
      const match = /^cmdstat_([^:]+):calls=(\d+)/.exec(line.trim());
      if (match) calls[match[1]!] = Number(match[2]);
    }
    return calls;
  }

  /** Freezes the server (SIGSTOP): connections stay open, nothing is answered, as in a stall. */
  pause(): void {
    this.child?.kill('SIGSTOP');
  }

  resume(): void {
    this.child?.kill('SIGCONT');
  }

  /** Stops the server (SIGTERM, SIGKILL after 3 s); `restart()` brings it back on the same port, empty. */
  async stop(): Promise<void> {
    const child = this.child;
    if (child) {
      child.kill('SIGCONT'); // a paused server cannot act on SIGTERM
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 3_000);
      await this.exited;
      clearTimeout(timer);
    }
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.launch();
  }

  /** Stops it for good and removes its folder. */
  async close(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }

  private get addresses(): string[] {
    return this.options.bind ?? ['127.0.0.1'];
  }

  private async launch(): Promise<void> {
    const args = [
      '--port', String(this.port),
      '--bind', ...this.addresses,
      '--dir', this.dir,
      '--save', '',
      '--appendonly', 'no',
      '--daemonize', 'no',
      '--logfile', '',
      ...(this.options.password === undefined ? ['--protected-mode', 'no'] : ['--requirepass', this.options.password]),
    ];
    const child = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    this.exited = new Promise((resolve) =>
      child.once('exit', () => {
        if (this.child === child) this.child = undefined;
        resolve();
      }),
    );
    keepOutput(child, this.output, 200);
    const deadline = Date.now() + 10_000;
    while (!(await answersPing(this.addresses[0]!, this.port))) {
      if (this.child !== child) throw new Error(`redis-server exited at start:\n${this.output.slice(-20).join('\n')}`);
      if (Date.now() > deadline) throw new Error(`redis-server not answering on port ${this.port} after 10 s`);
      await sleep(50);
    }
  }
}

/** True once something on host:port answers a RESP PING (even with an auth error: it is up). */
function answersPing(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port }, () => socket.write('PING\r\n'));
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1_000, () => done(false));
    socket.once('data', () => done(true));
    socket.once('error', () => done(false));
  });
}

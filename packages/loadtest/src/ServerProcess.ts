import { spawn, type ChildProcess } from 'node:child_process';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { createSocket } from 'node:dgram';
import { fileURLToPath } from 'node:url';
import { processCpu, processRss, type CpuTimes } from './procStats';
import { TimeoutError, sleep, withTimeout } from './time';
import { keepOutput } from './processOutput';

export interface ServerProcessOptions {
  /** Default: a free port picked now. */
  port?: number;
  logLevel?: string;
  /** Extra CONFAB_* settings. */
  env?: Record<string, string>;
  readyTimeoutMs?: number;
  /** Each line the server writes (stdout and stderr), as it comes: e.g. into a log file. */
  onLine?: (line: string) => void;
  /**
   * A command the server is started through, which must end by exec'ing its arguments (so the pid
   * stays the server's): e.g. `['unshare', '-m', 'sh', '-c', 'mount … && exec "$@"', 'sh']` for a
   * server with a mount of its own.
   */
  wrapper?: readonly string[];
  /** The checkout whose server runs (default: this one): bench:sfu --against sets two commits side by side. */
  root?: string;
}

/** The repository root (packages/loadtest/src → ../../..). */
export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/**
 * A TCP port free on 127.0.0.1 now, chosen below the kernel's ephemeral range: a port from that
 * range can be handed to some outgoing connection (a node's Redis client, say) between this check
 * and the server's listen, which then fails with EADDRINUSE.
 */
export async function freePort(): Promise<number> {
  return freeBasePort([0], { udp: false });
}

/**
 * A base port such that base + each offset is free on 127.0.0.1 now, for TCP and (unless `udp` is
 * false) UDP, below the ephemeral range. No port is handed out twice in one process: a test picks
 * its ports before anything listens on them, so "free now" alone let two picks collide (a CI run
 * gave HAProxy's front port to a media worker's ICE-TCP port).
 */
export async function freeBasePort(offsets: readonly number[], options: { udp?: boolean } = {}): Promise<number> {
  const lowest = 10_000;
  const ephemeralStart = ephemeralPortStart();
  const span = Math.max(...offsets);
  for (let attempt = 0; attempt < 500; attempt++) {
    const base = lowest + Math.floor(Math.random() * (ephemeralStart - span - lowest));
    const ports = offsets.map((offset) => base + offset);
    if (ports.some((port) => handedOut.has(port))) continue;
    if (!(await portsFree(ports, options))) continue;
    for (const port of ports) handedOut.add(port);
    return base;
  }
  throw new Error(`no free ports at offsets ${offsets.join(', ')} from ${lowest} to ${ephemeralStart - 1}`);
}

const handedOut = new Set<number>();

/** The first of `count` consecutive ports free for TCP and UDP (media, TURN), as freeBasePort picks them. */
export function freePortRange(count: number): Promise<number> {
  return freeBasePort(Array.from({ length: count }, (_, i) => i));
}

/** Whether each of `ports` can be listened on at 127.0.0.1 right now, for TCP and (unless `udp` is false) UDP. */
export async function portsFree(ports: readonly number[], options: { udp?: boolean } = {}): Promise<boolean> {
  for (const port of ports) {
    if (!(await portFree(port))) return false;
    if ((options.udp ?? true) && !(await udpPortFree(port))) return false;
  }
  return true;
}

function ephemeralPortStart(): number {
  try {
    const start = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
    if (Number.isInteger(start) && start > 20_000) return start;
  } catch {
    // not Linux: the usual start
  }
  return 32_768;
}

/** Whether `port` can be listened on at 127.0.0.1 right now. */
export function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

function udpPortFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createSocket('udp4');
    socket.once('error', () => resolve(false));
    socket.bind(port, '127.0.0.1', () => socket.close(() => resolve(true)));
  });
}

/**
 * The real Confab server as a child process (`node --import tsx packages/server/src/main.ts`), so
 * its CPU and memory can be read from /proc without the participants in them.
 */
export class ServerProcess {
  /** Last lines of the server's stdout/stderr, for failure reports. */
  readonly output: string[] = [];
  exitCode: number | null | undefined;

  private constructor(
    private readonly child: ChildProcess,
    readonly port: number,
    /** 'https' when CONFAB_TLS_CERT is set (then the WebSocket is wss://). */
    readonly scheme: 'http' | 'https',
    onLine: ((line: string) => void) | undefined,
  ) {
    keepOutput(child, this.output, 200, onLine);
    child.on('exit', (code, signal) => {
      this.exitCode = code ?? (signal ? -1 : null);
    });
  }

  static async start(options: ServerProcessOptions = {}): Promise<ServerProcess> {
    const port = options.port ?? (await freePort());
    // Extra node flags for the server only, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof` (which
    // NODE_OPTIONS refuses): CONFAB_SERVER_NODE_ARGS, split on spaces.
    const nodeArgs = (process.env['CONFAB_SERVER_NODE_ARGS'] ?? '').split(' ').filter(Boolean);
    const argv = [process.execPath, ...nodeArgs, '--import', 'tsx', 'packages/server/src/main.ts'];
    const [command, ...args] = [...(options.wrapper ?? []), ...argv];
    const child = spawn(command!, args, {
      cwd: options.root ?? REPO_ROOT,
      env: {
        ...process.env,
        CONFAB_HOST: '127.0.0.1',
        CONFAB_PORT: String(port),
        CONFAB_LOG_LEVEL: options.logLevel ?? process.env['CONFAB_E2E_LOG_LEVEL'] ?? 'warn',
        CONFAB_SHUTDOWN_GRACE_SECONDS: '0',
        ...options.env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const server = new ServerProcess(child, port, options.env?.['CONFAB_TLS_CERT'] ? 'https' : 'http', options.onLine);
    try {
      await server.waitHealthy(options.readyTimeoutMs ?? 60_000);
    } catch (error) {
      await server.stop();
      throw new Error(`server did not become healthy: ${(error as Error).message}\n${server.output.slice(-30).join('\n')}`);
    }
    return server;
  }

  get pid(): number {
    if (this.child.pid === undefined) throw new Error('server process has no pid');
    return this.child.pid;
  }

  get httpBase(): string {
    return `${this.scheme}://127.0.0.1:${this.port}`;
  }

  get rtcUrl(): string {
    return `${this.scheme === 'https' ? 'wss' : 'ws'}://127.0.0.1:${this.port}/rtc`;
  }

  get running(): boolean {
    return this.exitCode === undefined;
  }

  cpu(): CpuTimes {
    return processCpu(this.pid);
  }

  rss(): number {
    return processRss(this.pid);
  }

  /** GET /metrics, parsed: unlabelled samples by name (labelled ones as `name{labels}`). */
  async metrics(): Promise<Map<string, number>> {
    const response = await httpGet(`${this.httpBase}/metrics`, 5_000);
    if (response.status !== 200) throw new Error(`/metrics answered ${response.status}`);
    return parsePrometheus(response.body);
  }

  /** Sends a signal, e.g. SIGHUP (reload the certificate). */
  signal(signal: NodeJS.Signals): void {
    this.child.kill(signal);
  }

  /** SIGTERM, then SIGKILL if it has not exited within `timeoutMs`. */
  async stop(timeoutMs = 10_000): Promise<void> {
    if (!this.running) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.kill('SIGTERM');
    try {
      await withTimeout(exited, timeoutMs, 'server exit');
    } catch {
      this.child.kill('SIGKILL');
      await withTimeout(exited, 5_000, 'server exit after SIGKILL').catch(() => undefined);
    }
  }

  private async waitHealthy(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (!this.running) throw new Error(`server exited with ${this.exitCode}`);
      try {
        const response = await httpGet(`${this.httpBase}/healthz`, 1_000);
        if (response.status === 200) return;
      } catch {
        // not listening yet
      }
      await sleep(100);
    }
    throw new TimeoutError(`GET /healthz not 200 after ${timeoutMs} ms`);
  }
}

/**
 * GET over http: or https:. The server's certificate is not checked: this is a probe of our own
 * child process, which tests may run with a self-signed certificate.
 */
export function httpGet(url: string, timeoutMs: number): Promise<{ status: number; body: string }> {
  const request = url.startsWith('https:') ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'GET', agent: false, rejectUnauthorized: false, timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${url}: no answer in ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end();
  });
}

/**
 * Prometheus text format → sample values (comments skipped), keyed `name` or `name{labels}`. The
 * label `node` (the node id, on every sample of one node's page) is left out of the keys.
 */
export function parsePrometheus(text: string): Map<string, number> {
  const samples = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const space = line.lastIndexOf(' ');
    if (space <= 0) continue;
    const value = Number(line.slice(space + 1));
    if (!Number.isNaN(value)) samples.set(withoutNodeLabel(line.slice(0, space).trim()), value);
  }
  return samples;
}

/** The value of the label `node` on a /metrics page (the server's CONFAB_NODE_ID). */
export function metricsNodeId(text: string): string | undefined {
  return /[{,]node="([^"]*)"/.exec(text)?.[1];
}

function withoutNodeLabel(key: string): string {
  const brace = key.indexOf('{');
  if (brace < 0) return key;
  const labels = [...key.slice(brace + 1, -1).matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].filter((m) => m[1] !== 'node').map((m) => m[0]);
  return labels.length === 0 ? key.slice(0, brace) : `${key.slice(0, brace)}{${labels.join(',')}}`;
}

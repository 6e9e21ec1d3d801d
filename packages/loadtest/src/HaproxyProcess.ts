/**
 * The real HAProxy (Debian package `haproxy`) for tests and `npm run cluster`, run from the shipped
 * `deploy/haproxy.cfg`. That file is written for a real deployment (port 443 with a certificate,
 * nodes on private addresses, privileges dropped), so the local instance gets a derived copy in
 * which only addresses, ports, the certificate and the process settings of `global` change: the
 * balancing, health checks, timeouts and X-Forwarded-For under test are the shipped ones.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, httpGet, REPO_ROOT } from './ServerProcess';
import { sleep } from './time';
import { keepOutput } from './processOutput';

export const SHIPPED_HAPROXY_CFG = join(REPO_ROOT, 'deploy', 'haproxy.cfg');
/** The backend in deploy/haproxy.cfg whose servers are the Confab nodes. */
export const CONFAB_BACKEND = 'confab';

export interface HaproxyServer {
  /** The name on the stats page, e.g. `node1`. */
  name: string;
  port: number;
  /** Default 127.0.0.1. */
  host?: string;
}

export interface LocalHaproxySettings {
  servers: HaproxyServer[];
  /** Address every bind uses; default 127.0.0.1. */
  address?: string;
  /** The frontend's port (the shipped :443). */
  port: number;
  statsPort: number;
  /** Certificate and key in one PEM file: TLS as shipped. Without it the frontend speaks plain HTTP. */
  tlsPem?: string;
  /** With TLS: the shipped `bind :80` (redirect to https) on this port. */
  httpPort?: number;
}

/**
 * deploy/haproxy.cfg made to run on this machine, in the foreground: `global` loses its process
 * settings (log socket, chroot, user, admin socket, and maxconn, which needs more file descriptors
 * than a test machine may give) and logs to stderr instead;
 * binds and servers are replaced. Throws if the shipped file no longer has a line this expects,
 * so the derived copy never silently drifts from it.
 */
export function localHaproxyConfig(shipped: string, settings: LocalHaproxySettings): string {
  const address = settings.address ?? '127.0.0.1';
  const lines = shipped.split('\n');
  const section = (line: string) => /^(global|defaults|frontend|backend|listen)\b/.exec(line)?.[1] !== undefined;
  const out: string[] = [];
  const seen = { global: false, https: false, http: false, redirect: false, servers: false, stats: false };
  let current = '';
  for (const line of lines) {
    if (section(line)) current = line.trim();
    const body = line.trim();
    if (current === 'global' && /^(log|chroot|user|group|stats socket|daemon|maxconn)\b/.test(body)) {
      if (body.startsWith('log ') && !seen.global) out.push('    log stderr format raw local0 info');
      seen.global ||= body.startsWith('log ');
      continue;
    }
    if (/^bind :443 ssl crt \S+/.test(body)) {
      seen.https = true;
      out.push(`    bind ${address}:${settings.port}${settings.tlsPem ? ` ssl crt ${settings.tlsPem} alpn http/1.1` : ''}`);
      continue;
    }
    if (body === 'bind :80') {
      seen.http = true;
      if (settings.tlsPem && settings.httpPort !== undefined) out.push(`    bind ${address}:${settings.httpPort}`);
      continue;
    }
    if (body.startsWith('http-request redirect scheme https')) {
      seen.redirect = true;
      if (settings.tlsPem) out.push(line); // plain HTTP has nothing to redirect to
      continue;
    }
    if (current === `backend ${CONFAB_BACKEND}` && /^server node\d+ /.test(body)) {
      if (!seen.servers) for (const s of settings.servers) out.push(`    server ${s.name} ${s.host ?? '127.0.0.1'}:${s.port}`);
      seen.servers = true;
      continue;
    }
    if (current === 'frontend stats' && /^bind \S+:8404$/.test(body)) {
      seen.stats = true;
      out.push(`    bind ${address}:${settings.statsPort}`);
      continue;
    }
    out.push(line);
  }
  const missing = Object.entries(seen).filter(([, found]) => !found).map(([key]) => key);
  if (missing.length > 0) throw new Error(`deploy/haproxy.cfg: lines this derivation replaces are gone: ${missing.join(', ')}`);
  return out.join('\n');
}

export interface HaproxyOptions {
  servers: HaproxyServer[];
  /** Default: free ports. */
  port?: number;
  statsPort?: number;
  tlsPem?: string;
  httpPort?: number;
  /** Each line HAProxy writes (its request log), as it comes. */
  onLine?: (line: string) => void;
}

export class HaproxyProcess {
  /** Last lines of HAProxy's output (request log, server state changes), for failure reports. */
  readonly output: string[] = [];
  exitCode: number | null | undefined;

  private constructor(
    private readonly child: ChildProcess,
    private readonly dir: string,
    readonly port: number,
    readonly statsPort: number,
    readonly scheme: 'http' | 'https',
    onLine: ((line: string) => void) | undefined,
  ) {
    keepOutput(child, this.output, 400, onLine);
    child.on('exit', (code, signal) => (this.exitCode = code ?? (signal ? -1 : null)));
  }

  /** Starts HAProxy and waits until every server has passed its health checks. */
  static async start(options: HaproxyOptions): Promise<HaproxyProcess> {
    const dir = mkdtempSync(join(tmpdir(), 'confab-haproxy-'));
    const port = options.port ?? (await freePort());
    const statsPort = options.statsPort ?? (await freePort());
    const cfg = join(dir, 'haproxy.cfg');
    writeFileSync(cfg, localHaproxyConfig(readFileSync(SHIPPED_HAPROXY_CFG, 'utf8'), { ...options, port, statsPort }));
    // -db: foreground, no daemon; -W would add a master process we would have to stop too.
    const child = spawn('haproxy', ['-db', '-f', cfg], { stdio: ['ignore', 'pipe', 'pipe'] });
    const proxy = new HaproxyProcess(child, dir, port, statsPort, options.tlsPem ? 'https' : 'http', options.onLine);
    try {
      await proxy.waitServers((states) => states.size === options.servers.length && [...states.values()].every((s) => s === 'UP'), 30_000, 'every server UP');
    } catch (error) {
      await proxy.stop();
      throw new Error(`haproxy did not come up: ${(error as Error).message}\n${proxy.output.slice(-30).join('\n')}`);
    }
    return proxy;
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

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** The stats page as CSV: each Confab server's state as HAProxy sees it (`UP`, `DOWN`, `UP 1/2`, ...). */
  async serverStates(): Promise<Map<string, string>> {
    const { status, body } = await httpGet(`http://127.0.0.1:${this.statsPort}/stats;csv`, 2_000);
    if (status !== 200) throw new Error(`haproxy stats answered ${status}`);
    const [header, ...rows] = body.replace(/^# /, '').trim().split('\n').map((l) => l.split(','));
    const column = (name: string) => header!.indexOf(name);
    const states = new Map<string, string>();
    for (const row of rows) {
      const server = row[column('svname')]!;
      if (row[column('pxname')] === CONFAB_BACKEND && server !== 'BACKEND' && server !== 'FRONTEND') states.set(server, row[column('status')]!);
    }
    return states;
  }

  /** Waits until `done(states)` holds; returns how long that took (ms). */
  async waitServers(done: (states: Map<string, string>) => boolean, timeoutMs: number, what: string): Promise<number> {
    const start = Date.now();
    let last = new Map<string, string>();
    const ok = async () => {
      if (!this.running) throw new Error(`haproxy exited with ${this.exitCode}`);
      last = await this.serverStates().catch(() => new Map<string, string>());
      return done(last);
    };
    while (!(await ok())) {
      if (Date.now() - start > timeoutMs) throw new Error(`haproxy: ${what}: not after ${timeoutMs} ms; states ${JSON.stringify(Object.fromEntries(last))}`);
      await sleep(100);
    }
    return Date.now() - start;
  }

  async stop(): Promise<void> {
    if (this.running) {
      const exited = new Promise((resolve) => this.child.once('exit', resolve));
      this.child.kill('SIGTERM'); // HAProxy's hard stop: closes every connection at once
      const timer = setTimeout(() => this.child.kill('SIGKILL'), 3_000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}

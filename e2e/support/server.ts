/**
 * Starts the real Confab server as a child process on a free loopback port, and stops it.
 * The web app must already be built into packages/web/dist (`npm run build`).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { waitFor } from './wait';

/** Repository root (this file is e2e/support/server.ts). */
export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface ServerHandle {
  readonly port: number;
  /** e.g. http://127.0.0.1:43123 */
  readonly baseUrl: string;
  /** Everything the server printed so far (stdout and stderr interleaved), for failure messages. */
  logs(): string;
  /** GET a path and return status + body text. */
  get(path: string): Promise<{ status: number; body: string }>;
  /** SIGTERM, then SIGKILL after 5 s. Safe to call twice. */
  stop(): Promise<void>;
}

/** Binds port 0 on 127.0.0.1, reads the port the kernel gave, releases it. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      if (addr === null || typeof addr === 'string') {
        srv.close();
        reject(new Error('no port'));
        return;
      }
      const { port } = addr;
      srv.close(() => resolve(port));
    });
  });
}

export interface StartServerOptions {
  /** Extra environment (CONFAB_*). */
  env?: Record<string, string>;
  /** How long to wait for /healthz; default 30 s (tsx start-up on a loaded machine). */
  readyTimeoutMs?: number;
}

export async function startServer(options: StartServerOptions = {}): Promise<ServerHandle> {
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const chunks: string[] = [];
  const child: ChildProcess = spawn(
    process.execPath,
    ['--import', 'tsx', 'packages/server/src/main.ts'],
    {
      cwd: REPO_ROOT,
      env: {
        ...process.env,
        CONFAB_PORT: String(port),
        CONFAB_HOST: '127.0.0.1',
        CONFAB_LOG_LEVEL: 'warn',
        // Explicit: the server's default is resolved relative to its own file, which differs
        // between the bundle (dist/main.js) and the sources run with tsx.
        CONFAB_WEB_DIR: join(REPO_ROOT, 'packages/web/dist'),
        ...options.env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  child.stdout?.setEncoding('utf8').on('data', (d: string) => chunks.push(d));
  child.stderr?.setEncoding('utf8').on('data', (d: string) => chunks.push(d));
  let exited: { code: number | null; signal: NodeJS.Signals | null } | null = null;
  const exitPromise = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      exited = { code, signal };
      resolve();
    });
  });
  const logs = (): string => chunks.join('');

  const get = async (path: string): Promise<{ status: number; body: string }> => {
    const res = await fetch(baseUrl + path, { signal: AbortSignal.timeout(5000) });
    return { status: res.status, body: await res.text() };
  };

  let stopping: Promise<void> | null = null;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      if (exited !== null) return;
      child.kill('SIGTERM');
      const killTimer = setTimeout(() => {
        if (exited === null) child.kill('SIGKILL');
      }, 5000);
      await exitPromise;
      clearTimeout(killTimer);
    })();
    return stopping;
  };

  try {
    await waitFor(
      async () => {
        if (exited !== null) {
          throw new Error(`server exited early (${JSON.stringify(exited)})`);
        }
        try {
          return (await get('/healthz')).status === 200;
        } catch {
          return false;
        }
      },
      { timeout: options.readyTimeoutMs ?? 30_000, interval: 200, message: 'server /healthz never answered 200' },
    );
  } catch (err) {
    await stop();
    throw new Error(`${(err as Error).message}\n--- server output ---\n${logs()}`);
  }
  return { port, baseUrl, logs, get, stop };
}

/** Reads one unlabelled gauge/counter from Prometheus text; undefined if the metric is absent. */
export function readMetric(text: string, name: string): number | undefined {
  let sum: number | undefined;
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)/.exec(line);
    if (m === null || m[1] !== name) continue;
    sum = (sum ?? 0) + Number(m[3]);
  }
  return sum;
}

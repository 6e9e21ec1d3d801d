/**
 * The real coturn (`turnserver`, Debian package `coturn`) for tests, started from the shipped
 * `deploy/turnserver.conf`. That file denies relays to loopback and private peers, and in tests
 * everything is on loopback, so the test instance gets a derived copy (secret and certificate
 * paths filled in) plus command-line overrides that open exactly the addresses the test uses.
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { freePort, freePortRange, REPO_ROOT } from './ServerProcess';
import { sleep } from './time';
import { keepOutput } from './processOutput';

export const SHIPPED_TURNSERVER_CONF = join(REPO_ROOT, 'deploy', 'turnserver.conf');

export interface CoturnOptions {
  /** static-auth-secret; default a random one. */
  secret?: string;
  /** Address to listen and relay on; default 127.0.0.1. */
  address?: string;
  /** Peers the relay may reach although the shipped file denies them (loopback needs allowLoopback too). */
  allowedPeers?: string[];
  /** --allow-loopback-peers: coturn 4.6 refuses loopback peers unless told otherwise. */
  allowLoopback?: boolean;
}

/** A self-signed certificate made by openssl for `names` (DNS names or IP addresses). */
export function selfSignedCertificate(dir: string, names: string[]): { cert: string; key: string } {
  const cert = join(dir, 'cert.pem');
  const key = join(dir, 'key.pem');
  const san = names.map((n) => (/^[\d.]+$|:/.test(n) ? `IP:${n}` : `DNS:${n}`)).join(',');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '2', '-subj', `/CN=${names[0]}`, '-addext', `subjectAltName=${san}`, '-keyout', key, '-out', cert], { stdio: 'ignore' });
  return { cert, key };
}

/** The shipped file with the placeholders of a real deployment replaced. */
export function deriveTurnserverConf(shipped: string, values: { secret: string; cert: string; key: string }): string {
  const replaced = shipped
    .replace(/^static-auth-secret=.*$/m, `static-auth-secret=${values.secret}`)
    .replace(/^cert=.*$/m, `cert=${values.cert}`)
    .replace(/^pkey=.*$/m, `pkey=${values.key}`);
  for (const key of ['static-auth-secret', 'cert', 'pkey']) {
    if (!new RegExp(`^${key}=`, 'm').test(replaced)) throw new Error(`deploy/turnserver.conf has no ${key}= line`);
  }
  return replaced;
}

export class CoturnProcess {
  readonly output: string[] = [];
  exitCode: number | null | undefined;

  private constructor(
    private readonly child: ChildProcess,
    private readonly dir: string,
    readonly secret: string,
    readonly address: string,
    readonly port: number,
    readonly tlsPort: number,
    /** The self-signed certificate turns: presents (PEM). */
    readonly certificatePem: string,
    /** The UDP ports relays use (towards peers). */
    readonly relayPorts: { min: number; max: number },
  ) {
    keepOutput(child, this.output, 400);
    child.on('exit', (code, signal) => (this.exitCode = code ?? (signal ? -1 : null)));
  }

  /** `turn:`/`turns:` URLs for CONFAB_TURN_URLS. */
  get urls(): { udp: string; tcp: string; tls: string } {
    return {
      udp: `turn:${this.address}:${this.port}?transport=udp`,
      tcp: `turn:${this.address}:${this.port}?transport=tcp`,
      tls: `turns:${this.address}:${this.tlsPort}?transport=tcp`,
    };
  }

  static async start(options: CoturnOptions = {}): Promise<CoturnProcess> {
    const dir = mkdtempSync(join(tmpdir(), 'confab-coturn-'));
    const address = options.address ?? '127.0.0.1';
    const secret = options.secret ?? randomBytes(18).toString('base64url');
    const { cert, key } = selfSignedCertificate(dir, [address, 'turn.test']);
    const conf = join(dir, 'turnserver.conf');
    writeFileSync(conf, deriveTurnserverConf(readFileSync(SHIPPED_TURNSERVER_CONF, 'utf8'), { secret, cert, key }));
    const port = await freePortRange(1);
    const tlsPort = await freePort();
    // Relay ports: a small range of its own, away from the kernel's ephemeral ports and from every
    // other port this process picks.
    const minPort = await freePortRange(50);
    const args = [
      '-c', conf,
      `--pidfile=${join(dir, 'turnserver.pid')}`,
      `--userdb=${join(dir, 'turndb')}`,
      `--listening-ip=${address}`,
      `--relay-ip=${address}`,
      `--listening-port=${port}`,
      `--tls-listening-port=${tlsPort}`,
      `--min-port=${minPort}`,
      `--max-port=${minPort + 49}`,
      ...(options.allowedPeers ?? []).map((peer) => `--allowed-peer-ip=${peer}`),
      // coturn refuses loopback peers with an empty CLI password (the CLI stays off: no-cli).
      ...(options.allowLoopback ? ['--allow-loopback-peers', `--cli-password=${randomBytes(12).toString('hex')}`] : []),
    ];
    const child = spawn('turnserver', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const turn = new CoturnProcess(child, dir, secret, address, port, tlsPort, readFileSync(cert, 'utf8'), { min: minPort, max: minPort + 49 });
    try {
      await turn.waitListening(10_000);
    } catch (error) {
      await turn.stop();
      throw new Error(`turnserver did not start: ${(error as Error).message}\n${turn.output.slice(-40).join('\n')}`);
    }
    return turn;
  }

  /** The log lines that match `pattern`. */
  logLines(pattern: RegExp): string[] {
    return this.output.filter((line) => pattern.test(line));
  }

  async stop(): Promise<void> {
    if (this.exitCode === undefined) {
      const exited = new Promise((resolve) => this.child.once('exit', resolve));
      this.child.kill('SIGTERM');
      const timer = setTimeout(() => this.child.kill('SIGKILL'), 3_000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(this.dir, { recursive: true, force: true });
  }

  private async waitListening(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (this.exitCode !== undefined) throw new Error(`turnserver exited with ${this.exitCode}`);
      if ((await canConnect(this.address, this.port)) && (await canConnect(this.address, this.tlsPort))) return;
      if (Date.now() > deadline) throw new Error(`not listening on ${this.address}:${this.port} after ${timeoutMs} ms`);
      await sleep(100);
    }
  }
}

function canConnect(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port }, () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/**
 * Redis's MONITOR on a plain socket: every command the server runs, as its arguments. ioredis's
 * monitor() mode sometimes takes the first monitor line for a reply it did not ask for and fails
 * the test ("Command queue state error"), so the few lines of the protocol are read here.
 */
import { connect, type Socket } from 'node:net';

export class RedisMonitor {
  private buffered = '';

  private constructor(
    private readonly socket: Socket,
    private readonly seen: (args: string[]) => void,
  ) {}

  /** Starts monitoring the server at `url` (redis://host:port); resolves once it said OK. */
  static start(url: string, seen: (args: string[]) => void): Promise<RedisMonitor> {
    const { hostname, port } = new URL(url);
    return new Promise((resolve, reject) => {
      const socket = connect({ host: hostname, port: Number(port) });
      const monitor = new RedisMonitor(socket, seen);
      socket.setEncoding('latin1');
      socket.once('error', reject);
      socket.once('connect', () => socket.write('MONITOR\r\n'));
      socket.on('data', (chunk: string) => {
        if (monitor.read(chunk)) resolve(monitor);
      });
    });
  }

  stop(): void {
    this.socket.destroy();
  }

  /** Takes in what arrived; true once MONITOR was accepted. */
  private read(chunk: string): boolean {
    this.buffered += chunk;
    let ok = false;
    for (let end = this.buffered.indexOf('\r\n'); end >= 0; end = this.buffered.indexOf('\r\n')) {
      const line = this.buffered.slice(0, end);
      this.buffered = this.buffered.slice(end + 2);
      if (line === '+OK') ok = true;
      else if (line.startsWith('+')) this.seen(monitorArgs(line));
    }
    return ok;
  }
}

const ESCAPES: Record<string, string> = { n: '\n', r: '\r', t: '\t', a: '\x07', b: '\b', '"': '"', '\\': '\\' };

/** The arguments of one MONITOR line: `+<time> [<db> <client>] "arg" "arg" ...`, unescaped. */
export function monitorArgs(line: string): string[] {
  const args: string[] = [];
  let i = line.indexOf('] ');
  if (i < 0) return args;
  i += 2;
  while (i < line.length) {
    if (line[i] !== '"') {
      i++;
      continue;
    }
    let arg = '';
    for (i++; i < line.length && line[i] !== '"'; i++) {
      if (line[i] !== '\\') {
        arg += line[i];
        continue;
      }
      const next = line[++i]!;
      if (next === 'x') {
        arg += String.fromCharCode(parseInt(line.slice(i + 1, i + 3), 16));
        i += 2;
      } else {
        arg += ESCAPES[next] ?? next;
      }
    }
    args.push(arg);
    i++;
  }
  return args;
}

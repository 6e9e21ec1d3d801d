/**
 * A Confab cluster on this machine: one real redis-server, N real server processes in cluster mode
 * (CONFAB_REDIS_URL) and the shipped HAProxy in front, all on 127.0.0.1. `npm run cluster` runs one
 * for people to try; the cluster e2e tests and benchmarks run theirs, and kill, drain and restart
 * its parts.
 */
import { HaproxyProcess } from './HaproxyProcess';
import { RedisProcess } from './RedisProcess';
import { freePort, httpGet, metricsNodeId, parsePrometheus, ServerProcess } from './ServerProcess';
import { sleep } from './time';

export interface LocalClusterOptions {
  /** How many nodes (default 3). */
  nodes?: number;
  /** Node ids, one per node; default `node-1`, `node-2`, ... */
  nodeIds?: string[];
  /** Fixed ports (npm run cluster); free ones when left out. */
  ports?: { proxy: number; stats: number; nodes: number[]; rtc?: number[] };
  /** CONFAB_* settings for every node. */
  env?: Record<string, string>;
  logLevel?: string;
  /** Each line a process writes, with the process's name (`redis`, `haproxy`, or a node id). */
  onLine?: (name: string, line: string) => void;
}

/** One node of the cluster: its settings stay, so it can be started again after a kill or a drain. */
export class ClusterNode {
  private current: ServerProcess | undefined;
  /** The last 5000 output lines of this node, over all its runs, for failure reports. */
  readonly history: string[] = [];

  constructor(
    readonly id: string,
    readonly port: number,
    private readonly env: Record<string, string>,
    /** Undefined: ServerProcess's default (CONFAB_E2E_LOG_LEVEL, else warn). */
    private readonly logLevel: string | undefined,
    private readonly onLine: ((name: string, line: string) => void) | undefined,
  ) {}

  /** The node's own base URL (CONFAB_NODE_URL), for pages that skip HAProxy and for /metrics. */
  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get process(): ServerProcess {
    if (!this.current) throw new Error(`${this.id} has not been started`);
    return this.current;
  }

  get running(): boolean {
    return this.current?.running === true;
  }

  async start(): Promise<void> {
    if (this.running) throw new Error(`${this.id} is already running`);
    this.current = await ServerProcess.start({
      port: this.port,
      logLevel: this.logLevel,
      env: this.env,
      // Three nodes compiling (tsx) at once on a loaded 2-core machine took 35 s.
      readyTimeoutMs: 120_000,
      onLine: (line) => {
        this.history.push(line);
        if (this.history.length > 5000) this.history.splice(0, this.history.length - 5000);
        this.onLine?.(this.id, line);
      },
    });
  }

  /** Sends a signal: SIGKILL (a crash), SIGTERM (a drain), SIGSTOP/SIGCONT (a freeze). */
  signal(signal: NodeJS.Signals): void {
    this.process.signal(signal);
  }

  /** Waits until the process has exited (after a signal), at most `timeoutMs`. */
  async exited(timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.running) {
      if (Date.now() > deadline) throw new Error(`${this.id} still running after ${timeoutMs} ms`);
      await sleep(50);
    }
  }

  /** GET /metrics of this node alone, parsed (see parsePrometheus); checks it is this node answering. */
  async metrics(): Promise<Map<string, number>> {
    const { status, body } = await httpGet(`${this.url}/metrics`, 5_000);
    if (status !== 200) throw new Error(`${this.id} /metrics answered ${status}`);
    const id = metricsNodeId(body);
    if (id !== this.id) throw new Error(`${this.url}/metrics is node ${id}, not ${this.id}`);
    return parsePrometheus(body);
  }

  /** Stops it for good: SIGTERM twice (the second ends a drain at once), SIGKILL if that is not enough. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.signal('SIGTERM');
    await this.process.stop();
  }
}

export class LocalCluster {
  private constructor(
    readonly redis: RedisProcess,
    readonly nodes: ClusterNode[],
    readonly proxy: HaproxyProcess,
  ) {}

  static async start(options: LocalClusterOptions = {}): Promise<LocalCluster> {
    const count = options.nodes ?? 3;
    const ids = options.nodeIds ?? Array.from({ length: count }, (_, i) => `node-${i + 1}`);
    if (ids.length !== count) throw new Error(`nodeIds: ${count} ids needed`);
    const onLine = options.onLine;
    const redis = await RedisProcess.start();
    const stopOnFailure: (() => Promise<void>)[] = [() => redis.close()];
    try {
      const ports = options.ports?.nodes ?? (await Promise.all(ids.map(() => freePort())));
      const nodes = ids.map((id, i) => {
        const rtc = options.ports?.rtc?.[i];
        const env: Record<string, string> = {
          CONFAB_REDIS_URL: redis.url(),
          CONFAB_NODE_ID: id,
          CONFAB_NODE_URL: `http://127.0.0.1:${ports[i]}`,
          CONFAB_PUBLIC_IP: '127.0.0.1',
          // Every node on one machine needs media ports of its own (0: any free port).
          CONFAB_RTC_PORT: String(rtc ?? 0),
          CONFAB_RTC_TCP_PORT: String(rtc ?? 0),
          // HAProxy on loopback: its X-Forwarded-For names the client.
          CONFAB_TRUST_PROXY: '127.0.0.1',
          ...options.env,
        };
        return new ClusterNode(id, ports[i]!, env, options.logLevel, onLine);
      });
      stopOnFailure.push(...nodes.map((n) => () => n.stop()));
      await Promise.all(nodes.map((n) => n.start()));
      const proxy = await HaproxyProcess.start({
        servers: nodes.map((n) => ({ name: n.id, port: n.port })),
        ...(options.ports ? { port: options.ports.proxy, statsPort: options.ports.stats } : {}),
        ...(onLine ? { onLine: (line: string) => onLine('haproxy', line) } : {}),
      });
      return new LocalCluster(redis, nodes, proxy);
    } catch (error) {
      for (const stop of stopOnFailure.reverse()) await stop().catch(() => undefined);
      throw error;
    }
  }

  /** The URL people open: HAProxy's. */
  get url(): string {
    return this.proxy.httpBase;
  }

  node(id: string): ClusterNode {
    const node = this.nodes.find((n) => n.id === id);
    if (!node) throw new Error(`no node ${id} (nodes: ${this.nodes.map((n) => n.id).join(', ')})`);
    return node;
  }

  /** Each running node's /metrics, by node id. */
  async metrics(): Promise<Map<string, Map<string, number>>> {
    const running = this.nodes.filter((n) => n.running);
    const pages = await Promise.all(running.map((n) => n.metrics()));
    return new Map(running.map((n, i) => [n.id, pages[i]!]));
  }

  /** Ids of the running nodes whose /metrics sample `name` is above 0 (e.g. `confab_signal_connections`). */
  async nodesWith(name: string): Promise<string[]> {
    const all = await this.metrics();
    return [...all].filter(([, page]) => (page.get(name) ?? 0) > 0).map(([id]) => id);
  }

  /** Stops everything it started: HAProxy first (no new connections), the nodes, then Redis. */
  async stop(): Promise<void> {
    await this.proxy.stop();
    await Promise.all(this.nodes.map((n) => n.stop()));
    await this.redis.close();
  }
}

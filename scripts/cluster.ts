/**
 * `npm run cluster`: a Confab cluster on this machine for trying it out: redis-server, three nodes
 * and HAProxy (deploy/haproxy.cfg), all on 127.0.0.1. Prints each node's own URL, then
 * `cluster ready: http://127.0.0.1:<port>`. Ctrl-C stops everything it started.
 *
 *   npm run cluster [-- --port 8080 --rtc-port 40000]
 *
 * HAProxy listens on --port, its stats page on --port + 4, the nodes on --port + 1 .. + 3; node i
 * takes media ports --rtc-port + 100 * (i - 1) onwards (UDP and ICE-TCP). Logs go to files in a
 * temporary folder, named on start.
 */
import { spawnSync } from 'node:child_process';
import { appendFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { LocalCluster, REPO_ROOT, portFree } from '@confab/loadtest';

const NODES = 3;

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { port: { type: 'string', default: '8080' }, 'rtc-port': { type: 'string', default: '40000' } } });
  const port = portArg('--port', values.port, NODES + 4);
  const rtcPort = portArg('--rtc-port', values['rtc-port'], 100 * NODES);
  const ports = { proxy: port, stats: port + NODES + 1, nodes: Array.from({ length: NODES }, (_, i) => port + 1 + i) };
  for (const p of [ports.proxy, ports.stats, ...ports.nodes]) {
    if (!(await portFree(p))) fail(`port ${p} is taken: choose other ports with  npm run cluster -- --port <port>`);
  }

  // The web app the nodes serve (the nodes themselves run from source).
  const build = spawnSync(process.execPath, [join(REPO_ROOT, 'scripts', 'build.mjs')], { stdio: 'inherit' });
  if (build.status !== 0) fail('npm run build failed');

  const logs = mkdtempSync(join(tmpdir(), 'confab-cluster-'));
  console.log(`logs: ${logs}/<node>.log, haproxy.log`);
  const starting = LocalCluster.start({
    nodes: NODES,
    ports: { ...ports, rtc: Array.from({ length: NODES }, (_, i) => rtcPort + 100 * i) },
    logLevel: 'info',
    onLine: (name, line) => appendFileSync(join(logs, `${name}.log`), `${line}\n`),
  });
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`${signal}: stopping HAProxy, the nodes and Redis`);
    // Mid-start too: what has started is stopped once start-up is over (or has failed and cleaned up).
    await (await starting.catch(() => undefined))?.stop();
    process.exit(0);
  };
  // Ctrl-C in a terminal reaches every process of the job; a signal sent to this process alone
  // stops the rest through stop().
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => void stop(signal));

  let cluster: LocalCluster;
  try {
    cluster = await starting;
  } catch (error) {
    if (stopping) return;
    fail(`the cluster did not start: ${(error as Error).message}`);
  }
  console.log(`redis: ${cluster.redis.url()}`);
  for (const [i, node] of cluster.nodes.entries()) {
    console.log(`node ${node.id}: ${node.url} (pid ${node.process.pid}, media UDP and TCP from port ${rtcPort + 100 * i})`);
  }
  console.log(`haproxy stats: http://127.0.0.1:${ports.stats}/stats`);
  console.log(`cluster ready: ${cluster.url}`);
  // A node that dies is reported, not replaced: killing one is how failover is tried out.
  const reported = new Set<string>();
  setInterval(() => {
    for (const node of cluster.nodes) {
      if (node.running || reported.has(node.id) || stopping) continue;
      reported.add(node.id);
      console.log(`node ${node.id} exited (code ${node.process.exitCode}); its rooms move to the others`);
    }
  }, 500);
}

function portArg(name: string, raw: string | undefined, span: number): number {
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 1024 || port + span > 65535) fail(`${name} must be a port from 1024 to ${65535 - span}, got ${raw}`);
  return port;
}

function fail(message: string): never {
  console.error(`npm run cluster: ${message}`);
  process.exit(1);
}

void main();

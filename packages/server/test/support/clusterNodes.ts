import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RedisProcess } from '@confab/loadtest';
import { pino } from 'pino';
import { createRoomRouter, type ClusterTimings } from '../../src/cluster/index';
import type { RedisRouter } from '../../src/cluster/redis/RedisRouter';
import { loadConfig } from '../../src/service/config';
import { ConfabServer } from '../../src/service/ConfabServer';
import { roomOptionsFrom } from '../../src/service/roomOptions';
import { createTestEngine } from './engine';

/** Short enough for tests to see leases expire and fences close within seconds. */
export const TEST_TIMINGS: Partial<ClusterTimings> = {
  leaseMs: 2_000,
  renewMs: 400,
  fenceMarginMs: 600,
  nodeTtlMs: 1_500,
  refreshMs: 400,
  callTimeoutMs: 3_000,
};

export interface ClusterNode {
  id: string;
  server: ConfabServer;
  router: RedisRouter;
  wsUrl: string;
  httpUrl: string;
  /** Log lines at warn and above (info too with `logLevel: 'info'`), parsed. */
  logs: Record<string, unknown>[];
  /** A clean stop (deregisters, releases leases). */
  stop(): Promise<void>;
}

/**
 * A real node in cluster mode in this process (HTTP, WebSocket, rooms, media in this thread),
 * on a free loopback port, joined to the cluster at `redisUrl`.
 */
export async function startClusterNode(
  id: string,
  redisUrl: string,
  env: Record<string, string> = {},
  options: { timings?: Partial<ClusterTimings>; logLevel?: string } = {},
): Promise<ClusterNode> {
  const webDir = mkdtempSync(join(tmpdir(), 'confab-web-'));
  writeFileSync(join(webDir, 'index.html'), '<!doctype html><title>Confab</title>');
  // Each node records to a folder of its own, as nodes without shared storage do.
  const recordingsDir = mkdtempSync(join(tmpdir(), 'confab-recordings-'));
  const config = loadConfig({ CONFAB_HOST: '127.0.0.1', CONFAB_PORT: '0', CONFAB_WEB_DIR: webDir, CONFAB_REDIS_URL: redisUrl, CONFAB_NODE_ID: id, CONFAB_RECORDINGS_DIR: recordingsDir, ...env });
  const logs: Record<string, unknown>[] = [];
  const logger = pino({ level: options.logLevel ?? 'warn', base: { node: id } }, { write: (line: string) => void logs.push(JSON.parse(line) as Record<string, unknown>) });
  const media = await createTestEngine({ logger });
  const router = (await createRoomRouter({
    media,
    roomOptions: roomOptionsFrom(config, logger),
    maxRooms: config.maxRooms,
    logger,
    cluster: { redisUrl, nodeId: id, nodeUrl: undefined, host: config.host, logger, timings: options.timings ?? TEST_TIMINGS },
  })) as RedisRouter;
  const server = new ConfabServer(config, media, logger, router);
  const address = await server.listen();
  return {
    id,
    server,
    router,
    wsUrl: `ws://127.0.0.1:${address.port}/rtc`,
    httpUrl: `http://127.0.0.1:${address.port}`,
    logs,
    stop: () => server.shutdown(0),
  };
}

/** A redis-server and the nodes sharing it, as a test file starts them in `before`. */
export interface TestCluster {
  redis: RedisProcess;
  nodes: ClusterNode[];
}

/** A fresh redis-server and three nodes on it, `<prefix>-a`, `-b` and `-c`. */
export async function startTestCluster(prefix: string, env: Record<string, string> = {}): Promise<TestCluster> {
  const redis = await RedisProcess.start();
  const nodes = await Promise.all(['a', 'b', 'c'].map((id) => startClusterNode(`${prefix}-${id}`, redis.url(), env)));
  return { redis, nodes };
}

/** Closes the test's `clients` first (their goodbyes reach live nodes), then every node, then Redis. */
export async function stopTestCluster({ redis, nodes }: TestCluster, clients: readonly { close(): void }[]): Promise<void> {
  for (const c of clients) c.close();
  await Promise.all(nodes.map((n) => n.stop()));
  await redis.close();
}

/** The nodes among `nodes` that have `room` open. */
export function roomHosts(nodes: readonly ClusterNode[], room: string): ClusterNode[] {
  return nodes.filter((n) => n.server.directory.get(room as never) && !n.server.directory.get(room as never)!.isClosed);
}

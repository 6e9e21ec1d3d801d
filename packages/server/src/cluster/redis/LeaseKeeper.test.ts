import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { RoomName } from '@confab/protocol';
import { createLogger } from '../../service/logger';
import { ClusterMetrics } from '../../service/metrics';
import type { LocalDirectory } from '../LocalDirectory';
import type { ClusterStore, Renewal } from './ClusterStore';
import { LeaseKeeper, type LossReason } from './LeaseKeeper';
import { RedisHealth } from './RedisHealth';
import { clusterTimings } from './timings';

const timings = clusterTimings({ leaseMs: 1000, renewMs: 100, fenceMarginMs: 300, nodeTtlMs: 600, refreshMs: 200, callTimeoutMs: 1000 });
const logger = createLogger('silent', 'node-a');
const ROOM = 'kept' as RoomName;

/** A local port nothing listens on: probing it is "connection refused", as a stopped redis-server. */
async function refusedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

test('after a Redis outage, a room kept through it stays until the lease connection has renewed, though another connection answered first', async () => {
  const port = await refusedPort();
  const health = new RedisHealth('127.0.0.1', port, timings, logger);
  let redisUp = true;
  /** Redis is back, but the lease connection has not reconnected: the next renewal hangs this long. */
  let leaseConnectionLagMs = 0;
  const store = {
    async renew(leases: readonly (readonly [RoomName, string])[]): Promise<Renewal[]> {
      if (!redisUp) {
        health.troubled(); // as ClusterStore does for every failed command
        throw new Error("Stream isn't writeable");
      }
      const lag = leaseConnectionLagMs;
      leaseConnectionLagMs = 0; // reconnected
      await sleep(lag);
      health.succeeded();
      return leases.map(() => 'reclaimed' as const);
    },
    async release(): Promise<void> {},
    async claim(): Promise<never> {
      throw new Error('not used');
    },
  } as unknown as ClusterStore;
  const open = { isClosed: false, isMoving: false };
  const rooms = { get: () => open } as unknown as LocalDirectory;
  const losses: LossReason[] = [];
  const keeper = new LeaseKeeper(store, health, rooms, timings, new ClusterMetrics(), logger, (_room, reason) => losses.push(reason));
  keeper.start();
  try {
    keeper.own(ROOM, 'lease-1', Date.now());
    await sleep(250);
    redisUp = false; // stopped: every node's commands fail, the probe finds the port refused
    await sleep(timings.leaseMs + 500); // well past the fence deadline
    assert.deepEqual(losses, [], 'kept through an outage that every node shares');
    // Back: the node's main connection answers at once, the lease connection a reconnect later.
    // Probes from now on find it answering.
    leaseConnectionLagMs = 400;
    const redis = createServer((socket) => socket.on('data', () => socket.write('+PONG\r\n')));
    await new Promise<void>((resolve) => redis.listen(port, '127.0.0.1', resolve));
    redisUp = true;
    health.succeeded();
    await sleep(1000);
    redis.close();
    assert.deepEqual(losses, [], 'not closed in the moment between Redis answering and the lease being reclaimed');
    assert.ok(keeper.holds(ROOM), 'the reclaimed lease counts again');
  } finally {
    keeper.stop();
  }
});

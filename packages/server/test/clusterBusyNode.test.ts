/**
 * A node whose own event loop stalls (a burst of work, a starved CPU) is late, not cut off. With
 * the production timings it keeps its rooms through 2 s stalls wherever they fall in its renewal
 * cycle, even right after a renewal went out, when the answer waits unread behind the stall. A
 * node that is cut off and stalls still closes its rooms before their leases can expire.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { RoomName } from '@confab/protocol';
import { RedisProcess, waitUntil } from '@confab/loadtest';
import { Redis } from 'ioredis';
import { roomKey } from '../src/cluster/redis/keys';
import { DEFAULT_TIMINGS } from '../src/cluster/redis/timings';
import { RejoiningClient } from './support/RejoiningClient';
import { startClusterNode, type ClusterNode } from './support/clusterNodes';

/** The node reaches Redis at its own loopback address, so one nftables rule can cut it off. */
const CUT_ADDRESS = '127.0.0.3';
const STALL_MS = 2_000;
/** Where each stall begins after a renewal ran in Redis: at once (its answer not read yet), half a period on, just before the next one. */
const PHASES_MS = [0, DEFAULT_TIMINGS.renewMs / 2, DEFAULT_TIMINGS.renewMs - 50];

let redis: RedisProcess;
let node: ClusterNode;
/** Redis's keyspace events for the room's lease: `expire` each time a renewal ran. */
let watcher: Redis;
const people: RejoiningClient[] = [];

before(async () => {
  redis = await RedisProcess.start({ bind: ['127.0.0.1', CUT_ADDRESS] });
  await redis.cli('CONFIG', 'SET', 'notify-keyspace-events', 'Kg');
  node = await startClusterNode('busy', redis.url(CUT_ADDRESS), {}, { timings: DEFAULT_TIMINGS });
  watcher = new Redis(redis.url());
});
after(async () => {
  for (const p of people) p.close();
  watcher.disconnect();
  await node.stop();
  await redis.close();
});

/** Blocks this thread (the node, its clients, everything in this process) for `ms`. */
function block(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** Blocks `phaseMs` after the next renewal of `room` ran in Redis; resolves with when that renewal ran. */
async function stallAfterRenewal(room: string, phaseMs: number, ms = STALL_MS): Promise<number> {
  const channel = `__keyspace@0__:${roomKey(room as RoomName)}`;
  await watcher.subscribe(channel);
  return new Promise((resolve) => {
    const onEvent = (from: string, event: string) => {
      if (from !== channel || event !== 'expire') return;
      watcher.off('message', onEvent);
      const renewedAt = Date.now();
      const stall = () => {
        block(ms);
        resolve(renewedAt);
      };
      if (phaseMs === 0) stall();
      else setTimeout(stall, phaseMs);
    };
    watcher.on('message', onEvent);
  });
}

const fenced = () => node.logs.filter((l) => /lease not renewed in time/.test(String(l['msg'])));
const open = (room: string) => {
  const here = node.server.directory.get(room as RoomName);
  return here !== undefined && !here.isClosed;
};

test(`a node whose event loop stalls for ${STALL_MS / 1000} s, anywhere in its renewal cycle, keeps its rooms and its clients`, async () => {
  const room = 'busy';
  people.push(await RejoiningClient.join([node.wsUrl], 0, room, 'Ann'), await RejoiningClient.join([node.wsUrl], 0, room, 'Bob'));
  const lease = await redis.cli('GET', roomKey(room as RoomName));
  for (const phase of PHASES_MS) {
    await stallAfterRenewal(room, phase);
    await sleep(DEFAULT_TIMINGS.leaseMs - DEFAULT_TIMINGS.fenceMarginMs); // past any deadline the stall could have missed
    assert.deepEqual(fenced(), [], `no fencing after a stall ${phase} ms after a renewal`);
    console.log(`[measure] stall_kept_rooms stall_ms=${STALL_MS} phase_ms=${phase}`);
  }
  assert.equal(await redis.cli('GET', roomKey(room as RoomName)), lease, 'the same lease all along: nobody took the room, it never moved');
  assert.ok(open(room), 'the room is still open here');
  assert.deepEqual(people.map((p) => p.closes), [[], []], 'no client lost its socket');
  people[0]!.send({ type: 'chat', id: 7, text: 'still here' });
  await waitUntil(() => people.every((p) => p.seen.some((m) => m.type === 'chat' && m.text === 'still here')), 5_000, 'chat reaches everyone');
  for (const p of people.splice(0)) p.close();
});

test('a node cut off from Redis that also stalls still closes its rooms before their leases expire', async () => {
  const room = 'busy-cut';
  people.push(await RejoiningClient.join([node.wsUrl], 0, room, 'Cy'));
  let closedAt = 0;
  const watch = setInterval(() => {
    if (!closedAt && !open(room)) closedAt = Date.now();
  }, 5);
  nft('add table inet confabbusy');
  nft('add chain inet confabbusy out { type filter hook output priority 0 ; }');
  try {
    // The last renewal that gets through; the stall starts as the next one goes out into the cut,
    // and ends past the fence deadline but before the lease's end in Redis.
    const lastRenewal = await stallAfterRenewal(room, 0, 0);
    nft(`add rule inet confabbusy out ip daddr ${CUT_ADDRESS} tcp dport ${redis.port} drop`);
    nft(`add rule inet confabbusy out ip saddr ${CUT_ADDRESS} tcp sport ${redis.port} drop`);
    await sleep(DEFAULT_TIMINGS.renewMs + 20);
    block(DEFAULT_TIMINGS.leaseMs - DEFAULT_TIMINGS.fenceMarginMs - DEFAULT_TIMINGS.renewMs + 150);
    await waitUntil(() => closedAt > 0, DEFAULT_TIMINGS.leaseMs, 'the room closed here');
    const leaseEnd = lastRenewal + DEFAULT_TIMINGS.leaseMs;
    console.log(`[measure] stall_cut_fence_ahead_of_lease_end_ms=${leaseEnd - closedAt} (closed ${closedAt - lastRenewal} ms after the last renewal)`);
    assert.ok(closedAt < leaseEnd, `closed ${closedAt - lastRenewal} ms after the last renewal, before its lease could end (${DEFAULT_TIMINGS.leaseMs} ms)`);
    assert.equal(fenced().filter((l) => l['room'] === room).length, 1, 'fenced, once');
  } finally {
    clearInterval(watch);
    nft('delete table inet confabbusy');
  }
});

function nft(command: string): void {
  execFileSync('nft', command.split(' '));
}

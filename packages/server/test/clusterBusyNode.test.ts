/**
 * A node whose own event loop stalls (a burst of work, a starved CPU) is late, not cut off. With
 * the production timings it keeps its rooms through stalls of 2.3 s wherever they fall in its
 * renewal cycle (an owner renewing every second, as before, lost them when such a stall began
 * just before a renewal), and through a stall past its fence deadline when a renewal it sent in
 * time was answered meanwhile: the answer waits unread, and counts. A node that is cut off and
 * stalls still closes its rooms before their leases can expire.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
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
const { leaseMs, renewMs, fenceMarginMs } = DEFAULT_TIMINGS;
/** The fence deadline counts from the last confirmed renewal. */
const DEADLINE_MS = leaseMs - fenceMarginMs;
const STALL_MS = 2_300;
/** Where each stall begins after a renewal ran in Redis: at once, half a period on, just before the next one. */
const PHASES_MS = [0, renewMs / 2, renewMs - 50];

let redis: RedisProcess;
let node: ClusterNode;
/** Redis's keyspace events for the room's lease: `expire` each time a renewal ran. */
let watcher: Redis;
/** Reads leases on a connection never cut off. */
let reader: Redis;
const people: RejoiningClient[] = [];

before(async () => {
  redis = await RedisProcess.start({ bind: ['127.0.0.1', CUT_ADDRESS] });
  await redis.cli('CONFIG', 'SET', 'notify-keyspace-events', 'Kg');
  node = await startClusterNode('busy', redis.url(CUT_ADDRESS), {}, { timings: DEFAULT_TIMINGS });
  watcher = new Redis(redis.url());
  reader = new Redis(redis.url());
});
after(async () => {
  for (const p of people) p.close();
  watcher.disconnect();
  reader.disconnect();
  await node.stop();
  await redis.close();
});

/** Blocks this thread (the node, its clients, everything in this process) for `ms`. */
function block(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** Resolves (with Date.now()) when the next renewal of `room` has run in Redis. */
async function nextRenewal(room: string): Promise<number> {
  const channel = `__keyspace@0__:${roomKey(room as RoomName)}`;
  await watcher.subscribe(channel);
  return new Promise((resolve) => {
    const onEvent = (from: string, event: string) => {
      if (from !== channel || event !== 'expire') return;
      watcher.off('message', onEvent);
      resolve(Date.now());
    };
    watcher.on('message', onEvent);
  });
}

async function sleepUntil(at: number): Promise<void> {
  await sleep(Math.max(0, at - Date.now()));
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
    const renewedAt = await nextRenewal(room);
    await sleepUntil(renewedAt + phase);
    block(STALL_MS);
    await sleep(DEADLINE_MS); // past any deadline the stall could have missed
    assert.deepEqual(fenced(), [], `no fencing after a stall ${phase} ms after a renewal`);
    console.log(`[measure] stall_kept_rooms stall_ms=${STALL_MS} phase_ms=${phase}`);
  }
  await stillServing(room, lease, 2);
});

test('a renewal answered while the node stalled counts, though the node wakes past its fence deadline', async () => {
  const room = 'busy-late';
  people.push(await RejoiningClient.join([node.wsUrl], 0, room, 'Dee'));
  const lease = await redis.cli('GET', roomKey(room as RoomName));
  // Cut off: the next renewal goes out and is lost, for now. The lease's end (from Redis, on a
  // connection not cut) tells when the node's last confirmed renewal was sent: end - leaseMs.
  const cutAt = cut();
  const leaseEnd = Date.now() + (await reader.pttl(roomKey(room as RoomName)));
  const deadline = leaseEnd - fenceMarginMs;
  // Stall once that renewal is out; the cut heals during the stall, TCP sends the renewal again,
  // Redis renews and the answer waits unread. Wake between the deadline and the lease's last
  // half-margin, when only the answer can keep the room.
  await sleepUntil(cutAt + renewMs + 100);
  spawn('sh', ['-c', 'sleep 0.3; nft delete table inet confabbusy'], { stdio: 'ignore' });
  block(deadline + fenceMarginMs / 4 - Date.now());
  console.log(`[measure] stall_woke_past_deadline_ms=${Date.now() - deadline}`);
  await sleep(DEADLINE_MS);
  assert.deepEqual(fenced(), [], 'the answer read after the stall kept the room');
  await stillServing(room, lease, 1);
});

/** The room kept its lease, is open here, its members kept their sockets and still talk. */
async function stillServing(room: string, lease: string, members: number): Promise<void> {
  assert.equal(await redis.cli('GET', roomKey(room as RoomName)), lease, 'the same lease all along: nobody took the room, it never moved');
  assert.ok(open(room), 'the room is still open here');
  const here = people.splice(0);
  assert.equal(here.length, members);
  assert.deepEqual(here.map((p) => p.closes), here.map(() => []), 'no client lost its socket');
  here[0]!.send({ type: 'chat', id: 7, text: 'still here' });
  await waitUntil(() => here.every((p) => p.seen.some((m) => m.type === 'chat' && m.text === 'still here')), 5_000, 'chat reaches everyone');
  for (const p of here) p.close();
}

test('a node cut off from Redis that also stalls still closes its rooms before their leases expire', async () => {
  const room = 'busy-cut';
  people.push(await RejoiningClient.join([node.wsUrl], 0, room, 'Cy'));
  let closedAt = 0;
  const watch = setInterval(() => {
    if (!closedAt && !open(room)) closedAt = Date.now();
  }, 5);
  try {
    // The last renewal that gets through; the stall starts as the next one goes out into the cut,
    // and ends past the fence deadline but before the lease's end in Redis.
    const lastRenewal = await nextRenewal(room);
    cut();
    await sleepUntil(lastRenewal + renewMs + 20);
    block(lastRenewal + DEADLINE_MS + fenceMarginMs / 4 - Date.now());
    await waitUntil(() => closedAt > 0, leaseMs, 'the room closed here');
    const leaseEnd = lastRenewal + leaseMs;
    console.log(`[measure] stall_cut_fence_ahead_of_lease_end_ms=${leaseEnd - closedAt} (closed ${closedAt - lastRenewal} ms after the last renewal)`);
    assert.ok(closedAt < leaseEnd, `closed ${closedAt - lastRenewal} ms after the last renewal, before its lease could end (${leaseMs} ms)`);
    assert.equal(fenced().filter((l) => l['room'] === room).length, 1, 'fenced, once');
  } finally {
    clearInterval(watch);
    nft('delete table inet confabbusy');
  }
});

/** Drops every packet between the node and Redis (until the table is deleted); returns when. */
function cut(): number {
  nft('add table inet confabbusy');
  nft('add chain inet confabbusy out { type filter hook output priority 0 ; }');
  nft(`add rule inet confabbusy out ip daddr ${CUT_ADDRESS} tcp dport ${redis.port} drop`);
  nft(`add rule inet confabbusy out ip saddr ${CUT_ADDRESS} tcp sport ${redis.port} drop`);
  return Date.now();
}

function nft(command: string): void {
  execFileSync('nft', command.split(' '));
}

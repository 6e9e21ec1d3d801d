/**
 * Redis trouble (issue 10 points 2 and 6): a real redis-server stopped and restarted, stalled
 * (SIGSTOP), and one node cut off from it by nftables. Calls keep their media through an outage
 * everyone shares; a node alone in being cut off closes its rooms before their leases can expire.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { after, afterEach, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { HeadlessParticipant, RedisProcess, waitUntil } from '@confab/loadtest';
import { RejoiningClient } from './support/RejoiningClient';
import { startClusterNode, TEST_TIMINGS, type ClusterNode } from './support/clusterNodes';

/** Node c reaches Redis at its own loopback address, so one nftables rule can cut it off alone. */
const CUT_ADDRESS = '127.0.0.3';

let redis: RedisProcess;
let nodes: ClusterNode[] = [];
let people: { close(): unknown }[] = [];
before(async () => {
  redis = await RedisProcess.start({ bind: ['127.0.0.1', CUT_ADDRESS] });
  nodes = await Promise.all([
    startClusterNode('out-a', redis.url()),
    startClusterNode('out-b', redis.url()),
    startClusterNode('out-c', redis.url(CUT_ADDRESS)),
  ]);
});
afterEach(async () => {
  await Promise.all(people.map((p) => p.close()));
  people = [];
  await waitUntil(() => nodes.every((n) => n.server.directory.roomCount === 0), 20_000, 'every room closed');
});
after(async () => {
  await Promise.all(nodes.map((n) => n.stop()));
  await redis.close();
});

const urls = () => nodes.map((n) => n.wsUrl);
const hosts = (room: string) => nodes.filter((n) => n.server.directory.get(room as never) && !n.server.directory.get(room as never)!.isClosed);

async function rejoining(startAt: number, room: string, name: string): Promise<RejoiningClient> {
  const client = await RejoiningClient.join(urls(), startAt, room, name);
  people.push(client);
  return client;
}

/** Samples `read` every 50 ms until stopped; the longest time it did not grow. */
function watchGrowth(read: () => number): { stop(): number } {
  let last = read();
  let lastGrowth = performance.now();
  let longest = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    const value = read();
    if (value > last) {
      longest = Math.max(longest, now - lastGrowth);
      lastGrowth = now;
      last = value;
    }
  }, 50);
  return {
    stop() {
      clearInterval(timer);
      return Math.round(Math.max(longest, performance.now() - lastGrowth));
    },
  };
}

test('Redis stopped for 5 s and started again: the call keeps its media, joins work after, nothing is left behind', async () => {
  const room = 'outage';
  const [alice, bob, carl] = ['Alice', 'Bob', 'Carl'].map((name, i) => new HeadlessParticipant({ url: nodes[i]!.wsUrl, room, name }));
  people.push(alice!, bob!, carl!);
  await alice!.join();
  await alice!.publishCamera();
  await alice!.publishMicrophone();
  await bob!.join();
  await carl!.join();
  const received = (p: HeadlessParticipant) => p.receivedPackets().reduce((a, b) => a + b, 0);
  const stats = (p: HeadlessParticipant): string => JSON.stringify(p.stats());
  await waitUntil(() => received(bob!) > 50 && received(carl!) > 50, 20_000, () => `Bob and Carl receive Alice\nAlice ${stats(alice!)}\nBob ${stats(bob!)}\nCarl ${stats(carl!)}`);
  const owner = hosts(room)[0]!;

  const gaps = [watchGrowth(() => received(bob!)), watchGrowth(() => received(carl!))];
  await redis.stop();
  await sleep(5_000);
  await redis.restart();
  await sleep(2_000);
  const longest = gaps.map((g) => g.stop());
  console.log(`[measure] media_gap_during_redis_restart_ms bob=${longest[0]} carl=${longest[1]}`);
  for (const gap of longest) assert.ok(gap < 1_000, `media kept flowing while Redis was down (longest gap ${gap} ms)`);

  // Back to normal: the room kept its owner, and joins work again, into it and into a new room.
  const dave = await rejoining(1, room, 'Dave');
  assert.deepEqual([...dave.others.values()].map((p) => p.name).sort(), ['Alice', 'Bob', 'Carl']);
  await rejoining(2, 'after-outage', 'Erin');
  assert.deepEqual(hosts(room), [owner], 'the room is where it was, and only there');
  assert.ok((await redis.cli('GET', `confab:room:${room}`)).startsWith(`${owner.id}#`), 'its lease was reclaimed by its owner');
  await bob!.chat('still here');
  await waitUntil(() => alice!.chats.some((c) => c.text === 'still here') && carl!.chats.some((c) => c.text === 'still here'), 5_000, 'chat flows');
  // Every node registered again, counting each participant once.
  const registered = await Promise.all(nodes.map(async (n) => Number(await redis.cli('HGET', `confab:node:${n.id}`, 'participants'))));
  await sleep(TEST_TIMINGS.refreshMs! * 2);
  const counted = await Promise.all(nodes.map(async (n) => Number(await redis.cli('HGET', `confab:node:${n.id}`, 'participants'))));
  const actual = nodes.map((n) => [...n.server.directory.rooms()].reduce((sum, r) => sum + r.size, 0));
  assert.deepEqual(counted, actual, `the registry counts each participant once (before settling: ${registered.join(',')})`);
  assert.equal(counted.reduce((a, b) => a + b, 0), 5);
  for (const p of [alice!, bob!, carl!]) assert.deepEqual(p.errors, [], `${p.name} saw no errors`);
});

test('Redis stalled for longer than a lease: owners keep their rooms, and nobody takes one over', async () => {
  const room = 'stall';
  const members = [await rejoining(0, room, 'A'), await rejoining(1, room, 'B'), await rejoining(2, room, 'C')];
  const owner = hosts(room)[0]!;
  const lease = await redis.cli('GET', `confab:room:${room}`);
  redis.pause();
  await sleep(TEST_TIMINGS.leaseMs! + 1_000);
  redis.resume();
  await sleep(TEST_TIMINGS.leaseMs!);
  assert.deepEqual(members.map((m) => m.closes), [[], [], []], 'no socket was ended');
  assert.deepEqual(hosts(room), [owner]);
  const now = await redis.cli('GET', `confab:room:${room}`);
  assert.ok(now.startsWith(`${owner.id}#`), `the owner reclaimed its lease (${lease} → ${now})`);
  members[1]!.send({ type: 'chat', id: 7, text: 'after the stall' });
  await waitUntil(() => members.every((m) => m.all('chat').some((c) => c.text === 'after the stall')), 5_000, 'chat reaches everyone');
});

test('a node cut off from Redis closes its rooms before their leases expire, and they come back on another node', async () => {
  const room = 'cut';
  const cut = nodes[2]!;
  const first = await rejoining(2, room, 'P0');
  assert.deepEqual(hosts(room), [cut], 'the room starts on the node we cut off');
  const members = [first, await rejoining(0, room, 'P1'), await rejoining(1, room, 'P2')];
  const lease = await redis.cli('GET', `confab:room:${room}`);

  let closedAt = 0;
  let expiredAt = 0;
  const watch = setInterval(() => {
    const here = cut.server.directory.get(room as never);
    if (!closedAt && (!here || here.isClosed)) closedAt = performance.now();
  }, 5);
  const cutAt = performance.now();
  nft(`add table inet confabcut`);
  nft(`add chain inet confabcut out { type filter hook output priority 0 ; }`);
  nft(`add rule inet confabcut out ip daddr ${CUT_ADDRESS} tcp dport ${redis.port} drop`);
  nft(`add rule inet confabcut out ip saddr ${CUT_ADDRESS} tcp sport ${redis.port} drop`);
  try {
    while (!expiredAt) {
      if ((await redis.cli('GET', `confab:room:${room}`)) !== lease) expiredAt = performance.now();
      else await sleep(5);
    }
    clearInterval(watch);
    assert.ok(closedAt > 0 && closedAt < expiredAt, `closed ${Math.round(closedAt - cutAt)} ms after the cut, the lease ended ${Math.round(expiredAt - cutAt)} ms after it`);
    console.log(`[measure] fence_ahead_of_lease_expiry_ms=${Math.round(expiredAt - closedAt)} (closed ${Math.round(closedAt - cutAt)} ms after the cut)`);
    await Promise.all(members.map((m) => m.back(cutAt, 15_000)));
    await waitUntil(() => cut.router.serving === false, 5_000, 'the cut node says it is out');
    assert.equal((await fetch(`${cut.httpUrl}/healthz`)).status, 503, '/healthz tells the balancer');
    await waitUntil(() => hosts(room).length === 1 && hosts(room)[0] !== cut, 5_000, 'the room lives on another node');
    await waitUntil(() => members.every((m) => m.others.size === 2), 5_000, 'everyone sees everyone again');
    assert.equal(new Set(members.map((m) => m.participantId)).size, 3);
  } finally {
    clearInterval(watch);
    nft('delete table inet confabcut');
  }
  // Reconnected, the cut node registers again.
  for (let i = 0; (await redis.cli('EXISTS', `confab:node:${cut.id}`)) !== '1'; i++) {
    assert.ok(i < 100, 'the cut node registers again');
    await sleep(100);
  }
  await waitUntil(() => cut.router.serving, 5_000, 'the cut node serves again');
  assert.equal((await fetch(`${cut.httpUrl}/healthz`)).status, 200);
});

function nft(command: string): void {
  execFileSync('nft', command.split(' '));
}

/**
 * A node dies (issue 10 point 4): the owner of a room is a real server process (main.ts, default
 * cluster timings: lease 4 s) and gets SIGKILL. Its room comes back on a surviving node, everyone
 * is back in it without doing anything, and a room on another node does not notice.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { RedisProcess, ServerProcess, waitUntil } from '@confab/loadtest';
import { RejoiningClient } from './support/RejoiningClient';
import { startClusterNode, type ClusterNode } from './support/clusterNodes';

let redis: RedisProcess;
let nodes: ClusterNode[] = [];
let doomed: ServerProcess;
const people: RejoiningClient[] = [];
before(async () => {
  redis = await RedisProcess.start();
  doomed = await ServerProcess.start({ env: { CONFAB_REDIS_URL: redis.url(), CONFAB_NODE_ID: 'doomed', CONFAB_MEDIA_WORKERS: '0' } });
  nodes = await Promise.all(['a', 'b'].map((id) => startClusterNode(`live-${id}`, redis.url())));
});
after(async () => {
  for (const p of people) p.close();
  await doomed.stop();
  await Promise.all(nodes.map((n) => n.stop()));
  await redis.close();
});

const hosts = (room: string) => nodes.filter((n) => n.server.directory.get(room as never) && !n.server.directory.get(room as never)!.isClosed);

test('the owner is killed: its room is back on another node within seconds, with everyone in it, and a room elsewhere never notices', async () => {
  const urls = [doomed.rtcUrl, nodes[0]!.wsUrl, nodes[1]!.wsUrl];
  const join = async (at: number, room: string, name: string) => {
    const person = await RejoiningClient.join(urls, at, room, name);
    people.push(person);
    return person;
  };
  // Every node is empty: the first join's node takes the room.
  const members = [await join(0, 'fragile', 'P0'), await join(1, 'fragile', 'P1'), await join(2, 'fragile', 'P2')];
  assert.match(await redis.cli('GET', 'confab:room:fragile'), /^doomed#/);
  const bystanders = [await join(1, 'calm', 'Q1'), await join(2, 'calm', 'Q2')];
  assert.equal(hosts('calm').length, 1);
  const before = members.map((m) => m.participantId);

  const killedAt = Date.now();
  process.kill(doomed.pid, 'SIGKILL');
  const returns = await Promise.all(members.map((m) => m.back(killedAt, 20_000)));
  const failoverMs = Math.max(...returns.map((r) => r.at)) - killedAt;
  console.log(`[measure] failover_kill_to_all_rejoined_ms=${failoverMs} (each: ${returns.map((r) => r.at - killedAt).join(', ')})`);
  assert.deepEqual(returns.map((r) => r.how), ['rejoined', 'rejoined', 'rejoined'], 'their sessions died with the node: each joined afresh, by itself');
  await waitUntil(() => members.every((m) => m.others.size === 2), 5_000, () => `everyone sees everyone in the new room: ${JSON.stringify(members.map((m) => [m.name, [...m.others.values()].map((o) => o.name), m.returns]))}`);
  assert.equal(hosts('fragile').length, 1, 'one room, on a surviving node');
  assert.match(await redis.cli('GET', 'confab:room:fragile'), new RegExp(`^${hosts('fragile')[0]!.id}#`));
  assert.ok(members.every((m, i) => m.participantId !== before[i]));
  assert.ok(failoverMs < 10_000, `back within 10 s (${failoverMs} ms)`);

  assert.deepEqual(bystanders.map((b) => b.closes), [[], []], `the room on another node kept its sockets (${hosts('calm').map((n) => n.id)})`);
  bystanders[0]!.send({ type: 'chat', id: 9, text: 'we are fine' });
  await waitUntil(() => bystanders[1]!.all('chat').some((c) => c.text === 'we are fine'), 5_000, 'chat in the calm room');
  // The dead node's entry expired; nothing of it is left.
  assert.equal(await redis.cli('EXISTS', 'confab:node:doomed'), '0');
});

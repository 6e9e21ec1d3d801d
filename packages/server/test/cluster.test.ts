/**
 * Three nodes sharing a real redis-server: placement, the relay and the local fast path.
 * (Signaling semantics through the cluster: clusterSignaling.test.ts; failures: clusterFailover.test.ts.)
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { waitUntil, type RedisProcess } from '@confab/loadtest';
import { Redis } from 'ioredis';
import { scripts } from '../src/cluster/redis/scripts';
import { RedisMonitor } from './support/redisMonitor';
import { roomHosts, startTestCluster, stopTestCluster, type ClusterNode } from './support/clusterNodes';
import { WsClient } from './support/wsClient';

let redis: RedisProcess;
let nodes: ClusterNode[] = [];
const clients: WsClient[] = [];
// Room (and sockets from one address) for the 200-member fan-out test below.
const env = { CONFAB_MAX_PARTICIPANTS_PER_ROOM: '250', CONFAB_MAX_CONNECTIONS_PER_IP: '500' };
before(async () => ({ redis, nodes } = await startTestCluster('node', env)));
after(() => stopTestCluster({ redis, nodes }, clients));

async function client(node: ClusterNode): Promise<WsClient> {
  const c = await WsClient.open(node.wsUrl);
  clients.push(c);
  return c;
}

/** The nodes that have `room` open. */
const hosts = (room: string) => roomHosts(nodes, room);

/** Everyone this client has seen in the room besides itself. */
function othersSeen(c: WsClient): Set<string> {
  const ids = new Set(c.all('joined').flatMap((j) => j.participants.map((p) => p.id as string)));
  for (const m of c.all('participant_joined')) ids.add(m.participant.id);
  for (const m of c.all('participant_left')) ids.delete(m.participantId);
  return ids;
}

test('first joins of one room at three nodes in the same instant, 50 times: always one room, everyone sees everyone', async () => {
  for (let round = 0; round < 50; round++) {
    const room = `race-${round}`;
    const trio = await Promise.all(nodes.map((n) => WsClient.open(n.wsUrl)));
    trio.forEach((c, i) => c.send({ type: 'join', id: 1, v: 1, room, name: `P${i}` }));
    const joined = await Promise.all(trio.map((c) => c.next('joined')));
    const ids = joined.map((j) => j.self.id as string);
    await waitUntil(() => trio.every((c, i) => othersSeen(c).size === 2 && ids.every((id, j) => i === j || othersSeen(c).has(id))), 5_000, `round ${round}: everyone sees everyone`);
    assert.equal(hosts(room).length, 1, `round ${round}: one room`);
    const lease = await redis.cli('GET', `confab:room:${room}`);
    assert.ok(lease.startsWith(`${hosts(room)[0]!.id}#`), `round ${round}: the lease names the host (${lease})`);
    for (const c of trio) c.close();
  }
  const owners = new Set<string>();
  for (let round = 0; round < 50; round++) for (const n of hosts(`race-${round}`)) owners.add(n.id);
  // Rooms close as their last member leaves, and give their leases back: nothing is left behind.
  for (let i = 0; (await redis.cli('KEYS', 'confab:room:race-*')) !== ''; i++) {
    assert.ok(i < 50, 'every lease released');
    await sleep(100);
  }
  assert.equal(nodes.reduce((sum, n) => sum + n.server.directory.roomCount, 0), 0);
});

test('rooms spread over the nodes, least loaded first', async () => {
  const members = [];
  for (let i = 0; i < 6; i++) {
    const c = await client(nodes[0]!);
    await c.join(`spread-${i}`, 'Solo');
    members.push(c);
    await waitUntil(() => nodes.reduce((n, node) => n + node.server.directory.roomCount, 0) === i + 1, 2_000, 'room open');
  }
  assert.deepEqual(nodes.map((n) => n.server.directory.roomCount), [2, 2, 2], 'each node got two of the six rooms');
  for (const c of members) c.close();
});

/** Runs `act` with every command Redis runs meanwhile (and 200 ms after) shown to `seen`; returns the seconds it took. */
async function monitored(act: () => Promise<void>, seen: (args: string[]) => void): Promise<number> {
  const monitor = await RedisMonitor.start(redis.url(), seen);
  try {
    const started = performance.now();
    await act();
    await sleep(200); // the last replies' publishes
    return (performance.now() - started) / 1000;
  } finally {
    monitor.stop();
  }
}

/** Which script an EVALSHA ran, by its SHA. */
const scriptNames = new Map(Object.entries(scripts).map(([name, script]) => [script.sha, name]));

/**
 * Redis commands per call of `join` (run `times` times), counted exactly with MONITOR: placement,
 * claims and relay publishes. The nodes' own renewals, refreshes and liveness checks run anyway and
 * are left out (reported per second apart).
 */
async function commandsPer(times: number, join: (i: number) => Promise<unknown>): Promise<JoinCost> {
  const counts = new Map<string, number>();
  const seconds = await monitored(
    async () => {
      for (let i = 0; i < times; i++) await join(i);
    },
    (args) => {
      const command = args[0]!.toLowerCase();
      const name = command === 'evalsha' ? (scriptNames.get(args[1]!) ?? 'script') : command;
      counts.set(name, (counts.get(name) ?? 0) + 1);
    },
  );
  const per = (name: string) => (counts.get(name) ?? 0) / times;
  const background = ['renew', 'register', 'alive'].map((name) => `${name}=${((counts.get(name) ?? 0) / seconds / nodes.length).toFixed(1)}/s/node`);
  const cost = { place: per('place'), claim: per('claim'), publish: per('publish'), total: per('place') + per('claim') + per('publish') };
  const line = `${cost.total.toFixed(1)} (place=${cost.place.toFixed(1)} claim=${cost.claim.toFixed(1)} publish=${cost.publish.toFixed(1)}; background ${background.join(' ')})`;
  return { ...cost, line };
}

interface JoinCost { place: number; claim: number; publish: number; total: number; line: string }

test('a socket on the owner talks to its room directly, others are relayed: Redis commands per join, and round trips', async () => {
  const room = 'fast-path';
  const first = await client(nodes[1]!);
  await first.join(room, 'First');
  const owner = hosts(room)[0]!;
  if (owner !== nodes[1]) {
    // Placement chose another node (the last test's rooms may still count as load there): keep the
    // room open from a member on the owner, so no relayed member's notices are counted below.
    const anchor = await client(owner);
    await anchor.join(room, 'Anchor');
    first.send({ type: 'leave', id: 2 });
    await anchor.next('participant_left');
  }
  const elsewhere = nodes.filter((n) => n !== owner);
  const atOwner = await commandsPer(10, async (i) => (await client(owner)).join(room, `Local${i}`));
  const relayed = await commandsPer(10, async (i) => (await client(elsewhere[0]!)).join(room, `Relayed${i}`));
  const newRooms = await commandsPer(10, async (i) => (await client(elsewhere[1]!)).join(`fast-path-new-${i}`, 'New'));
  console.log(`[measure] redis_commands_per_join_at_owner=${atOwner.line}`);
  console.log(`[measure] redis_commands_per_join_relayed=${relayed.line}`);
  console.log(`[measure] redis_commands_per_join_new_room=${newRooms.line}`);
  assert.equal(atOwner.total, 0, 'a join at the owner of an open room needs no Redis');
  assert.equal(relayed.place, 1, 'a join elsewhere asks Redis where the room is once');
  assert.equal(relayed.claim, 0, 'and claims nothing');
  // At least the edge's connect+join and the owner's reply; how many more depends on how the
  // other relayed members' participant_joined notices batch into frames.
  assert.ok(relayed.publish >= 2, `a relayed join publishes at least twice (${relayed.publish})`);

  // Status round trips, same node against relayed: the relay adds a pub/sub hop each way.
  const onOwner = await client(owner);
  const relayedClient = await client(elsewhere[0]!);
  await onOwner.join(room, 'Here');
  await relayedClient.join(room, 'There');
  const roundTrip = async (c: WsClient) => {
    const times: number[] = [];
    for (let i = 0; i < 50; i++) {
      const started = performance.now();
      c.send({ type: 'status', id: 1000 + i, status: i % 2 ? 'away' : 'online' });
      await c.next('ack', (m) => m.id === 1000 + i);
      times.push(performance.now() - started);
    }
    times.sort((a, b) => a - b);
    return `p50=${times[25]!.toFixed(2)} p99=${times[49]!.toFixed(2)}`;
  };
  console.log(`[measure] command_round_trip_same_node_ms ${await roundTrip(onOwner)}`);
  console.log(`[measure] command_round_trip_relayed_ms ${await roundTrip(relayedClient)}`);
  const page = await (await fetch(`${elsewhere[0]!.httpUrl}/metrics`)).text();
  assert.match(page, /^confab_cluster_sockets_relayed\{node="node-[abc]"\} [1-9]/m, 'the relaying node counts its relayed sockets');
  assert.match(page, /^confab_cluster_relay_round_trip_seconds_count\{node="node-[abc]"\} [1-9]/m);
});

test('a chat message in a 200-member room relayed from one node reaches that node in O(1) publishes, carrying the text once', async () => {
  const room = 'fan-out';
  const first = await client(nodes[0]!);
  await first.join(room, 'M0');
  const owner = hosts(room)[0]!;
  const edge = owner === nodes[0] ? nodes[1]! : nodes[0]!;
  const members = owner === nodes[0] ? [] : [first];
  while (members.length < 200) {
    const batch = await Promise.all(Array.from({ length: Math.min(20, 200 - members.length) }, () => client(edge)));
    await Promise.all(batch.map((c, i) => c.join(room, `M${members.length + i + 1}`)));
    members.push(...batch);
  }
  const times = 10;
  const text = (i: number) => `${i} ${'x'.repeat(1_900)}`; // chat allows 2,000 characters
  let publishes = 0;
  let bytes = 0;
  await monitored(
    async () => {
      for (let i = 0; i < times; i++) {
        members[0]!.send({ type: 'chat', id: 100 + i, text: text(i) });
        await Promise.all(members.map((c) => c.next('chat', (m) => m.text === text(i))));
      }
    },
    (args) => {
      if (args[0]!.toLowerCase() !== 'publish' || args[1] !== `confab:relay:${edge.id}`) return;
      publishes++;
      bytes += args[2]!.length;
    },
  );
  console.log(`[measure] relay_fan_out_200_members_per_chat publishes=${(publishes / times).toFixed(1)} bytes=${Math.round(bytes / times)}`);
  // Per chat: the message for all 200 sockets, and the sender's answer (with it, or a turn later).
  assert.ok(publishes / times <= 3, `${publishes / times} publishes to the edge per chat message`);
  // The text once (a copy per member would be 200 × 1.9 kB), plus the 200 links with their sequence numbers.
  assert.ok(bytes / times < 2 * text(0).length + 200 * 80, `${Math.round(bytes / times)} bytes published to the edge per chat message`);
  for (const c of members) c.close();
});

test('nodes trust no frame: invalid frames, and invalid messages inside valid ones, are dropped at either end', async () => {
  const spy = new Redis(redis.url());
  const frames: { channel: string; frame: { from: string; items: { kind: string; link?: string; to?: { link: string; n?: number }[] }[] } }[] = [];
  spy.on('error', () => undefined);
  spy.on('pmessage', (_: string, channel: string, payload: string) => {
    if (payload.startsWith('{"from":"node-')) frames.push({ channel, frame: JSON.parse(payload) as never });
  });
  await spy.psubscribe('confab:relay:*');
  try {
    const a = await client(nodes[0]!);
    await a.join('trust', 'A');
    const owner = hosts('trust')[0]!;
    const edge = nodes.find((n) => n !== owner)!;
    const b = await client(edge);
    await b.join('trust', 'B');
    const connect = frames.find((f) => f.channel === `confab:relay:${owner.id}` && f.frame.items.some((i) => i.kind === 'connect'))!;
    const link = connect.frame.items.find((i) => i.kind === 'connect')!.link!;

    // Not a frame at all.
    await redis.cli('PUBLISH', `confab:relay:${owner.id}`, 'not json');
    await redis.cli('PUBLISH', `confab:relay:${owner.id}`, '{"from":"x","items":[{"kind":"warp"}]}');
    await waitUntil(() => owner.logs.filter((l) => /relay: dropped an invalid frame/.test(String(l['msg']))).length >= 2, 2_000, 'invalid frames logged');
    // A valid frame as the edge, carrying a join where a room command belongs: the owner checks the message itself.
    const forged = { from: connect.frame.from, items: [{ kind: 'command', link, call: 999, command: '{"type":"join","v":1,"room":"trust","name":"Mallory"}' }] };
    await redis.cli('PUBLISH', `confab:relay:${owner.id}`, JSON.stringify(forged));
    await waitUntil(() => owner.logs.some((l) => /refused a command that is not a room command/.test(String(l['msg']))), 2_000, 'forged command refused');
    // A valid frame as the owner, carrying a server message that is not one: the edge checks it too.
    const sent = frames.filter((f) => f.channel === `confab:relay:${edge.id}`).flatMap((f) => f.frame.items.flatMap((i) => i.to ?? []));
    const lastN = Math.max(0, ...sent.filter((t) => t.link === link && t.n).map((t) => t.n!));
    const fake = { from: owner.router.instance, items: [{ kind: 'message', data: '{"type":"chat","text":42}', to: [{ link, n: lastN + 1 }] }] };
    await redis.cli('PUBLISH', `confab:relay:${edge.id}`, JSON.stringify(fake));
    await waitUntil(() => edge.logs.some((l) => /dropped an invalid server message/.test(String(l['msg']))), 2_000, 'forged server message dropped');
    assert.deepEqual(b.invalid, [], 'the client never saw it');
    assert.equal(a.all('participant_joined').filter((m) => m.participant.name === 'Mallory').length, 0);
  } finally {
    spy.disconnect();
  }
});

/**
 * Signaling through a cluster behaves exactly as on one node: the single-node signaling and resume
 * cases run against three nodes sharing a real redis-server, each client on the next node, so most
 * conversations cross the relay and every resume lands on another node than the lost socket.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { RedisProcess } from '@confab/loadtest';
import { startClusterNode, type ClusterNode } from './support/clusterNodes';
import { RESUME_TEST_ENV, RESUME_TEST_HEARTBEAT_MS, resumeCases } from './support/resumeCases';
import { signalingCases } from './support/signalingCases';
import { WsClient } from './support/wsClient';

let redis: RedisProcess;
let nodes: ClusterNode[] = [];
const clients: WsClient[] = [];
before(async () => {
  redis = await RedisProcess.start();
  nodes = await Promise.all(['a', 'b', 'c'].map((id) => startClusterNode(`sig-${id}`, redis.url(), { CONFAB_MAX_PARTICIPANTS_PER_ROOM: '3', ...RESUME_TEST_ENV })));
});
after(async () => {
  for (const c of clients) c.close();
  await Promise.all(nodes.map((n) => n.stop()));
  await redis.close();
});

let turn = 0;
async function client(options: { silent?: boolean } = {}): Promise<WsClient> {
  const c = await WsClient.open(nodes[turn++ % nodes.length]!.wsUrl, { heartbeatMs: RESUME_TEST_HEARTBEAT_MS, ...options });
  clients.push(c);
  return c;
}

let roomCounter = 0;
const target = {
  client,
  roomsNamed: (room: string) => nodes.flatMap((n) => [...n.server.directory.rooms()].filter((r) => r.name === room && !r.isClosed)),
  freshRoom: () => `csig-${process.pid}-${++roomCounter}`,
};
signalingCases(target);
resumeCases(target);

test('the cases above really crossed nodes: commands were relayed from several nodes, rooms owned by several', async () => {
  const pages = await Promise.all(nodes.map(async (n) => (await fetch(`${n.httpUrl}/metrics`)).text()));
  const sample = (text: string, name: string) => Number(new RegExp(`^${name}\\{[^}]*\\} (\\d+)`, 'm').exec(text)?.[1] ?? 0);
  const relayed = pages.map((text) => sample(text, 'confab_cluster_relay_round_trip_seconds_count'));
  const renewed = pages.map((text) => sample(text, 'confab_cluster_lease_renewals_total'));
  assert.ok(relayed.filter((n) => n > 0).length >= 2, `relayed commands per node: ${relayed.join(', ')}`);
  assert.ok(renewed.filter((n) => n > 0).length >= 2, `lease renewals per node: ${renewed.join(', ')}`);
});

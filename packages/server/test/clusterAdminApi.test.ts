/**
 * The admin API through a cluster: two nodes sharing a real redis-server. Every call about a room
 * goes to the node that does not host it (adminApiCases), so each one crosses the relay; and a
 * room list from either node shows the rooms of both.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { RedisProcess } from '@confab/loadtest';
import { TOKEN_MODE_ENV } from './support/accessCases';
import { adminApiCases, adminFor, type AdminApiTarget } from './support/adminApiCases';
import { roomHosts, startClusterNode, type ClusterNode } from './support/clusterNodes';
import { WsClient } from './support/wsClient';

let redis: RedisProcess;
let nodes: ClusterNode[] = [];
const clients: WsClient[] = [];
before(async () => {
  redis = await RedisProcess.start();
  nodes = await Promise.all(['a', 'b'].map((id) => startClusterNode(`adm-${id}`, redis.url(), { ...TOKEN_MODE_ENV })));
});
after(async () => {
  for (const c of clients) c.close();
  await Promise.all(nodes.map((n) => n.stop()));
  await redis.close();
});

let turn = 0;
let roomCounter = 0;
/** Clients aimed at a room open somewhere: each at the other node. */
let callsAcross = 0;
const target: AdminApiTarget = {
  async client() {
    const c = await WsClient.open(nodes[turn++ % nodes.length]!.wsUrl);
    clients.push(c);
    return c;
  },
  freshRoom: () => `cadm-${process.pid}-${++roomCounter}`,
  apiUrl(room) {
    const hosts = roomHosts(nodes, room);
    assert.ok(hosts.length <= 1, `room ${room} is open on ${hosts.length} nodes`);
    if (hosts.length === 0) return nodes[turn++ % nodes.length]!.httpUrl;
    callsAcross++;
    return nodes.find((n) => n !== hosts[0])!.httpUrl;
  },
};

adminApiCases(target);

test('the cases above did call across nodes: every case about an open room sent its calls to the node not hosting it', () => {
  // At least one client per case about an open room (nine of them); apiUrl() above chose the node.
  assert.ok(callsAcross >= 9, `only ${callsAcross} clients were aimed across nodes`);
});

test('listRooms from either node shows the rooms of both, each naming the node that hosts it', async () => {
  const names: string[] = [];
  // Placement spreads new rooms by load: create until both nodes host one.
  for (let i = 0; i < 12 && new Set(names.flatMap((name) => roomHosts(nodes, name).map((n) => n.id))).size < 2; i++) {
    const room = target.freshRoom();
    await adminFor(target, room).createRoom({ name: room, emptyTimeoutSeconds: 60 });
    names.push(room);
  }
  const hostOf = new Map(names.map((name) => [name, roomHosts(nodes, name)[0]!.id]));
  assert.deepEqual(new Set(hostOf.values()), new Set(nodes.map((n) => n.id)), 'both nodes host one of the rooms');
  for (const node of nodes) {
    const listed = (await adminFor({ ...target, apiUrl: () => node.httpUrl }, '').listRooms()).filter((r) => hostOf.has(r.name));
    assert.deepEqual(new Map(listed.map((r) => [r.name, r.node])), hostOf, `as ${node.id} lists them`);
  }
  for (const name of names) await adminFor(target, name).deleteRoom(name);
  assert.deepEqual((await adminFor(target, '').listRooms()).filter((r) => hostOf.has(r.name)), []);
});

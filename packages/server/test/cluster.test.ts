import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { RedisProcess } from '@confab/loadtest';
import { startClusterNode, type ClusterNode } from './support/clusterNodes';
import { WsClient } from './support/wsClient';

let redis: RedisProcess;
let nodes: ClusterNode[] = [];
const clients: WsClient[] = [];
before(async () => {
  redis = await RedisProcess.start();
  nodes = await Promise.all(['a', 'b', 'c'].map((id) => startClusterNode(`node-${id}`, redis.url())));
});
after(async () => {
  for (const c of clients) c.close();
  await Promise.all(nodes.map((n) => n.stop()));
  await redis.close();
});

async function client(node: ClusterNode): Promise<WsClient> {
  const c = await WsClient.open(node.wsUrl);
  clients.push(c);
  return c;
}

test('smoke: a room across three nodes', async () => {
  const [a, b, c] = [await client(nodes[0]!), await client(nodes[1]!), await client(nodes[2]!)];
  const ja = await a.join('smoke', 'A');
  const jb = await b.join('smoke', 'B');
  const jc = await c.join('smoke', 'C');
  assert.deepEqual(jc.participants.map((p) => p.name).sort(), ['A', 'B']);
  c.send({ type: 'chat', id: 2, text: 'hi' });
  await c.next('ack', (m) => m.id === 2);
  for (const x of [a, b, c]) assert.equal((await x.next('chat')).text, 'hi');
  console.log(ja.self.id, jb.self.id, nodes.map((n) => n.server.directory.roomCount));
  console.log(nodes.flatMap((n) => n.logs));
});

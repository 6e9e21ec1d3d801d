/**
 * Who may join and what they may do, through a cluster: the token-mode cases of one node run
 * against two nodes sharing a real redis-server, each client on the next node, so moderation
 * crosses the relay and a banned identity is refused at both nodes.
 */
import { after, before } from 'node:test';
import { RedisProcess } from '@confab/loadtest';
import { accessCases, TOKEN_MODE_ENV } from './support/accessCases';
import { startClusterNode, type ClusterNode } from './support/clusterNodes';
import { WsClient } from './support/wsClient';

let redis: RedisProcess;
let nodes: ClusterNode[] = [];
const clients: WsClient[] = [];
before(async () => {
  redis = await RedisProcess.start();
  nodes = await Promise.all(['a', 'b'].map((id) => startClusterNode(`acc-${id}`, redis.url(), { ...TOKEN_MODE_ENV })));
});
after(async () => {
  for (const c of clients) c.close();
  await Promise.all(nodes.map((n) => n.stop()));
  await redis.close();
});

let turn = 0;
async function client(): Promise<WsClient> {
  const c = await WsClient.open(nodes[turn++ % nodes.length]!.wsUrl);
  clients.push(c);
  return c;
}

let roomCounter = 0;
// The guest in the lobby waits longer than a relayed call's time limit (TEST_TIMINGS.callTimeoutMs).
accessCases({ client, freshRoom: () => `cacc-${process.pid}-${++roomCounter}`, lobbyWaitMs: 3_500 });

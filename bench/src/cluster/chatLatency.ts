import { sleep, withTimeout, type LocalCluster } from '@confab/loadtest';
import type { ServerMessage } from '@confab/protocol';
import { ownerOf, rtcUrl } from './clusterInfo';
import { closeAll } from './joins';
import { SignalingMember } from './SignalingMember';
import { summarize, type LatencySummary } from './stats';

/** Where sender and receiver of a chat message have their sockets, against the node that owns the room. */
export const CHAT_CASES = {
  sameNodeOwner: 'same node (the owner)',
  sameNodeRelayed: 'same node (not the owner)',
  senderOnOwner: 'different nodes (sender on the owner)',
  receiverOnOwner: 'different nodes (receiver on the owner)',
  neitherOnOwner: 'different nodes (neither on the owner)',
} as const;
export type ChatCase = keyof typeof CHAT_CASES;

/** Per case; and pooled: sender and receiver on one node (either case) against on two different nodes (any of three cases). */
export interface ChatResult {
  cases: Record<ChatCase, LatencySummary>;
  sameNode: LatencySummary;
  differentNodes: LatencySummary;
}

const SAME_NODE: readonly ChatCase[] = ['sameNodeOwner', 'sameNodeRelayed'];

/**
 * Signaling latency of a chat message, from the sender's `chat` request leaving to the `chat`
 * arriving at another member, by where the two sockets are. Five members of one room, connected
 * straight to chosen nodes: two on the owner O, two on node X, one on node Y. O1 and X1 take turns
 * sending; each message is timed at the receivers that stand for a case, then the next one goes.
 */
export async function measureChat(cluster: LocalCluster, messages: number, log: (line: string) => void): Promise<ChatResult> {
  const room = 'chat-latency';
  const first = await SignalingMember.join(rtcUrl(cluster.url), room, 'Placer');
  const samples: Record<ChatCase, number[]> = { sameNodeOwner: [], sameNodeRelayed: [], senderOnOwner: [], receiverOnOwner: [], neitherOnOwner: [] };
  const joined: SignalingMember[] = [first];
  try {
    const ownerId = await ownerOf(cluster.redis, room);
    const owner = cluster.node(ownerId!);
    const [x, y] = cluster.nodes.filter((n) => n !== owner);
    const at = async (node: typeof owner, name: string) => {
      const member = await SignalingMember.join(rtcUrl(node.url), room, name);
      joined.push(member);
      return member;
    };
    const o1 = await at(owner, 'O1');
    const o2 = await at(owner, 'O2');
    const x1 = await at(x!, 'X1');
    const x2 = await at(x!, 'X2');
    const y1 = await at(y!, 'Y1');
    await first.close();
    await sleep(500); // everyone's join and leave notices are through
    log(`chat: room on ${owner.id}; ${messages} messages, each timed at 2 or 3 receivers`);

    // Per sender: which receiver stands for which case.
    const routes = [
      { sender: o1, receivers: [[o2, 'sameNodeOwner'], [x1, 'senderOnOwner']] },
      { sender: x1, receivers: [[x2, 'sameNodeRelayed'], [o1, 'receiverOnOwner'], [y1, 'neitherOnOwner']] },
    ] as const;
    for (let i = 0; i < messages; i++) {
      const { sender, receivers } = routes[i % 2]!;
      const text = `m${i}`;
      const arrivals = receivers.map(([member, label]) => arrival(member, text).then((at) => [label, at] as const));
      const sentAt = performance.now();
      await sender.chat(text);
      for (const [label, arrivedAt] of await withTimeout(Promise.all(arrivals), 10_000, `chat ${text} everywhere`)) samples[label].push(arrivedAt - sentAt);
      await sleep(10);
    }
  } finally {
    await closeAll(joined);
  }
  const entries = Object.entries(samples) as [ChatCase, number[]][];
  return {
    cases: Object.fromEntries(entries.map(([label, values]) => [label, summarize(values)])) as ChatResult['cases'],
    sameNode: summarize(entries.filter(([label]) => SAME_NODE.includes(label)).flatMap(([, values]) => values)),
    differentNodes: summarize(entries.filter(([label]) => !SAME_NODE.includes(label)).flatMap(([, values]) => values)),
  };
}

/** When `member` receives the chat message `text`. */
function arrival(member: SignalingMember, text: string): Promise<number> {
  return new Promise((resolve) => {
    member.listener = (message: ServerMessage, at: number) => {
      if (message.type === 'chat' && message.text === text) resolve(at);
    };
  });
}

import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { test } from 'node:test';
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import { createLogger } from '../../service/logger';
import type { ClusterStore } from './ClusterStore';
import { relayChannel } from './keys';
import type { NodeId } from './nodeIds';
import { RelayBus } from './RelayBus';
import type { RelayItem } from './relayMessages';

const store = { id: 'node-a' as NodeId, instance: 'node-a#0000000a', publish: async () => 1 } as unknown as ClusterStore;
const frame = (n: number) => JSON.stringify({ from: 'node-b#0000000b', items: [{ kind: 'ack', link: 'node-b#0000000b.1', seq: n }] });

test('frames read in one go are handled one per event-loop turn, in order', async () => {
  const subscriber = Object.assign(new EventEmitter(), { subscribe: async () => 1 }) as unknown as Redis;
  const bus = new RelayBus(store, subscriber, createLogger('silent', 'node-a'));
  let turn = 0;
  let ticking = true;
  const tick = () => {
    turn++;
    if (ticking) setImmediate(tick);
  };
  setImmediate(tick);
  const handled: { seq: number; turn: number }[] = [];
  await bus.listen((_from, items: RelayItem[]) => {
    for (const item of items) if (item.kind === 'ack') handled.push({ seq: item.seq, turn });
  });
  // Ten frames in one read of the subscriber's socket, one invalid among them (dropped, the rest go on).
  for (let n = 1; n <= 10; n++) subscriber.emit('message', relayChannel(store.id), n === 5 ? '{"from":"nobody"}' : frame(n));
  for (let i = 0; i < 20 && handled.length < 9; i++) await nextTurn();
  ticking = false;
  assert.deepEqual(handled.map((h) => h.seq), [1, 2, 3, 4, 6, 7, 8, 9, 10]);
  assert.equal(new Set(handled.map((h) => h.turn)).size, handled.length, `turns: ${handled.map((h) => h.turn).join(',')}`);
});

import assert from 'node:assert/strict';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { test } from 'node:test';
import type { TransportStats } from '../types';
import { WorkerEvent } from './protocol';
import { StatsBatch } from './StatsBatch';

const stats = (packets: number): TransportStats => ({ lossFraction: 0.01, jitterMs: 3, rttMs: 40, packets, wantedBitrate: 500_000, availableBitrate: -1 });

test('the stats of one loop turn go to the main thread in one valid message, in order; the next turn sends its own', async () => {
  const sent: WorkerEvent[] = [];
  const batch = new StatsBatch((event) => sent.push(WorkerEvent.parse(event)));
  for (let transport = 1; transport <= 33; transport++) batch.add(transport, stats(transport));
  assert.equal(sent.length, 0, 'nothing before the turn ends');
  await nextTurn();
  assert.equal(sent.length, 1);
  const first = sent[0]!;
  assert.ok(first.ev === 'stats');
  assert.deepEqual(
    first.entries.map((e) => [e.transport, e.stats.packets]),
    Array.from({ length: 33 }, (_, i) => [i + 1, i + 1]),
  );
  batch.add(7, stats(70));
  await nextTurn();
  assert.equal(sent.length, 2);
  assert.deepEqual(sent[1], { ev: 'stats', entries: [{ transport: 7, stats: stats(70) }] });
  await nextTurn();
  assert.equal(sent.length, 2, 'an empty turn sends nothing');
});

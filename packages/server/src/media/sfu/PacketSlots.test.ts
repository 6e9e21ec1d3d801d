import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PacketSlots } from './PacketSlots';

test('every take() is a new slot until the ring comes round', () => {
  const slots = new PacketSlots(4, 1536);
  const taken = [slots.take(), slots.take(), slots.take(), slots.take()];
  assert.equal(new Set(taken.map((b) => b.byteOffset)).size, 4);
  for (const slot of taken) assert.equal(slot.length, 1536);
  taken[1]!.fill(0);
  taken[0]!.fill(7);
  assert.ok(taken[1]!.every((b) => b === 0), 'slots do not overlap');
  assert.equal(slots.take(), taken[0]);
  assert.throws(() => new PacketSlots(3), /power of two/);
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { TurnBatch } from './TurnBatch';

test('what one turn of the event loop adds goes as one batch, in order; later additions in the next', async () => {
  const posted: number[][] = [];
  const batch = new TurnBatch<number>((items) => posted.push(items));
  batch.add(1);
  batch.add(2);
  batch.add(3);
  assert.deepEqual(posted, [], 'nothing goes out before the turn ends');
  await nextTurn();
  assert.deepEqual(posted, [[1, 2, 3]]);
  batch.add(4);
  await nextTurn();
  batch.add(5);
  await nextTurn();
  assert.deepEqual(posted, [[1, 2, 3], [4], [5]]);
});

test("what the turn's promise jobs add joins its batch", async () => {
  const posted: string[][] = [];
  const batch = new TurnBatch<string>((items) => posted.push(items));
  batch.add('a');
  queueMicrotask(() => batch.add('b'));
  await Promise.resolve().then(() => batch.add('c'));
  await nextTurn();
  assert.deepEqual(posted, [['a', 'b', 'c']]);
});

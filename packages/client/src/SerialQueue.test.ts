import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SerialQueue } from './SerialQueue';
import { tick } from './testFakes';

test('tasks run one at a time, in order, and a failure does not block the queue', async () => {
  const queue = new SerialQueue();
  const log: string[] = [];
  const task = (name: string, ms: number, fail = false) => async (): Promise<string> => {
    log.push(`start ${name}`);
    await tick(ms);
    log.push(`end ${name}`);
    if (fail) throw new Error(name);
    return name;
  };
  const a = queue.run(task('a', 10));
  const b = queue.run(task('b', 1, true));
  const c = queue.run(task('c', 1));
  assert.equal(await a, 'a');
  await assert.rejects(b, /b/);
  assert.equal(await c, 'c');
  assert.deepEqual(log, ['start a', 'end a', 'start b', 'end b', 'start c', 'end c']);
});

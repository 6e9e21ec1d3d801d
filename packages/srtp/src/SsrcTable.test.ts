import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SsrcTable } from './SsrcTable';

const at = (ssrc: number) => {
  const buf = Buffer.alloc(8);
  buf.writeInt32BE(ssrc | 0, 4);
  return buf;
};

test('finds what was set, for any 32-bit SSRC, growing up to its maximum size', () => {
  const table = new SsrcTable<number>(64);
  const ssrcs = new Set([0, 1, -1, 0x7fffffff, -0x80000000, 0x12345678, 0x87654321 | 0]);
  for (let i = 1; ssrcs.size < 64; i++) ssrcs.add(Math.imul(i, 0x01000000)); // same low bits: collisions
  const list = [...ssrcs];
  list.forEach((s, i) => {
    assert.ok(table.set(at(s), 4, i));
    list.slice(0, i + 1).forEach((t, j) => assert.equal(table.get(at(t), 4), j, `after ${i + 1} entries: ssrc ${t}`));
  });
  assert.equal(table.size, 64);
  list.forEach((s, i) => assert.equal(table.get(at(s), 4), i, `ssrc ${s}`));
  assert.equal(table.get(at(42), 4), undefined);
  assert.equal(table.set(at(42), 4, 1), false, 'full');
  assert.ok(table.set(at(list[3]!), 4, 99), 'replacing is not adding');
  assert.equal(table.get(at(list[3]!), 4), 99);
  table.clear();
  assert.equal(table.size, 0);
  assert.equal(table.get(at(0), 4), undefined);
  assert.ok(table.set(at(42), 4, 1));
});

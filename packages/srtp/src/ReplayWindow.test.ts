import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ReplayWindow } from './ReplayWindow';

test('new indexes pass, seen ones and ones older than the window do not', () => {
  const w = new ReplayWindow(64);
  assert.ok(w.check(1000));
  w.accept(1000);
  assert.equal(w.check(1000), false);
  assert.ok(w.check(999));
  assert.ok(w.check(937), '63 behind');
  assert.equal(w.check(936), false, '64 behind');
  w.accept(990);
  assert.equal(w.check(990), false);
  w.accept(1001);
  assert.equal(w.check(990), false, 'still seen after the top moved by one');
  assert.ok(w.check(995));
});

test('a jump clears the bits it passes over, a jump past the window clears everything', () => {
  const w = new ReplayWindow(64);
  for (let i = 0; i < 64; i++) w.accept(i);
  w.accept(100); // 64..99 take the ring positions that 0..35 had
  for (let i = 64; i < 100; i++) assert.ok(w.check(i), `index ${i} is new`);
  for (let i = 37; i < 64; i++) assert.equal(w.check(i), false, `index ${i} was seen`);
  w.accept(50);
  w.accept(100 + 64 * 10);
  assert.ok(w.check(100 + 64 * 10 - 1));
  assert.equal(w.check(50), false);
});

test('works for 48-bit indexes and rejects bad sizes', () => {
  const w = new ReplayWindow(1024);
  const big = 0xffffffff * 0x10000 + 0xfff0;
  w.accept(big);
  assert.equal(w.check(big), false);
  assert.ok(w.check(big - 1));
  assert.equal(w.check(big - 1024), false);
  for (const size of [0, 32, 100, 65536, 1.5]) assert.throws(() => new ReplayWindow(size), RangeError);
});

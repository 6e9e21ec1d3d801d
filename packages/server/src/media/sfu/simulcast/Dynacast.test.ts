import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Dynacast } from './Dynacast';

test('a publisher alone: every layer goes off after the delay, not before', () => {
  const d = new Dynacast(3, 0, 3000);
  assert.equal(d.update(0, 2900), false);
  assert.deepEqual(d.published, [true, true, true]);
  assert.equal(d.update(0, 3000), true);
  assert.deepEqual(d.published, [false, false, false]);
  assert.equal(d.update(0, 10_000), false, 'told once');
});

test('on is immediate, off waits for 3 s of nobody needing the layer', () => {
  const d = new Dynacast(3, 0, 3000);
  d.update(0, 5000);
  assert.deepEqual(d.published, [false, false, false]);
  assert.equal(d.update(0b001, 5050), true);
  assert.deepEqual(d.published, [true, false, false]);
  // Someone moves from q to f: f on at once, q still on for 3 s.
  assert.equal(d.update(0b101, 6000), true);
  assert.deepEqual(d.published, [true, false, true]);
  assert.equal(d.update(0b100, 6100), false);
  assert.equal(d.update(0b100, 8999), false);
  assert.deepEqual(d.published, [true, false, true]);
  assert.equal(d.update(0b100, 9000), true);
  assert.deepEqual(d.published, [false, false, true]);
});

test('a layer needed again within the delay never flaps off', () => {
  const d = new Dynacast(2, 0, 3000);
  d.update(0b11, 0);
  for (let t = 100; t < 20_000; t += 100) {
    d.update(t % 2000 < 1000 ? 0b01 : 0b11, t);
    assert.deepEqual(d.published, [true, true], `at ${t}`);
  }
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { writeIpAddress } from './ipAddress';

test('writeIpAddress: IPv4 (plain and IPv4-mapped) as 4 bytes; anything not a dotted quad refused', () => {
  const out = new Uint8Array(16);
  for (const [text, bytes] of [
    ['127.0.0.1', [127, 0, 0, 1]],
    ['255.255.255.255', [255, 255, 255, 255]],
    ['0.0.0.0', [0, 0, 0, 0]],
    ['010.001.2.3', [10, 1, 2, 3]],
    ['::ffff:192.168.1.20', [192, 168, 1, 20]],
  ] as const) {
    assert.equal(writeIpAddress(text, out, 0), 4, text);
    assert.deepEqual([...out.subarray(0, 4)], bytes, text);
  }
  for (const bad of ['', '1.2.3', '1.2.3.4.5', '256.0.0.1', '1..2.3', '.1.2.3', '1.2.3.', '1.2.3.4 ', ' 1.2.3.4', '1.2.3.x', '1.2.3.0004', '+1.2.3.4']) {
    assert.equal(writeIpAddress(bad, out, 0), 0, bad);
  }
});

test('writeIpAddress: IPv6 as 16 bytes', () => {
  const out = new Uint8Array(16);
  assert.equal(writeIpAddress('2001:db8::1', out, 0), 6);
  assert.deepEqual([...out], [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
  assert.equal(writeIpAddress('::1', out, 0), 6);
  assert.equal(writeIpAddress('1:2:3', out, 0), 0);
});

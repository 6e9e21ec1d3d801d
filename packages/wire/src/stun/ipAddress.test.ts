import assert from 'node:assert/strict';
import { test } from 'node:test';
import { intToIpv4, parseIpv4, writeIpAddress } from './ipAddress';

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

test('parseIpv4: a dotted quad as a host-order int32, by the same rules as writeIpAddress; anything else null', () => {
  assert.equal(parseIpv4('127.0.0.1'), 0x7f000001);
  assert.equal(parseIpv4('255.255.255.255'), -1);
  assert.equal(parseIpv4('010.001.2.3'), 0x0a010203);
  for (const bad of ['', '1.2.3', '1.2.3.4.5', '256.0.0.1', '1..2.3', ' 1.2.3.4', '1.2.3.x', '1.2.3.0004', '::ffff:1.2.3.4', '::1']) {
    assert.equal(parseIpv4(bad), null, bad);
  }
});

test('parseIpv4 / intToIpv4: dotted quads to host-order int32 and back, anything else null', () => {
  for (const address of ['127.0.0.1', '255.255.255.255', '10.0.0.2', '0.0.0.0', '192.168.1.254']) assert.equal(intToIpv4(parseIpv4(address)!), address);
  assert.equal(parseIpv4('127.0.0.1'), 0x7f000001);
  assert.equal(parseIpv4('255.255.255.255'), -1);
  assert.equal(parseIpv4('10.0.0.2') ?? 0, 0x0a000002);
  for (const bad of ['::1', '1.2.3', '1.2.3.4.5', '256.0.0.1', '1.2.3.x', '', ' 1.2.3.4', '::ffff:1.2.3.4']) assert.equal(parseIpv4(bad), null, bad);
});

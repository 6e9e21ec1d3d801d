import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConnectionLimiter, addressKey } from './ConnectionLimiter';

test('at most `max` per address; a release frees one slot, once', () => {
  const limiter = new ConnectionLimiter(2);
  const a1 = limiter.acquire('203.0.113.7');
  const a2 = limiter.acquire('203.0.113.7');
  assert.ok(a1 && a2);
  assert.equal(limiter.acquire('203.0.113.7'), undefined);
  assert.ok(limiter.acquire('198.51.100.2'), 'other addresses are counted apart');
  a1();
  a1();
  assert.equal(limiter.count('203.0.113.7'), 1, 'a second release of the same slot changes nothing');
  const a3 = limiter.acquire('203.0.113.7');
  assert.ok(a3);
  a2();
  a3();
  assert.equal(limiter.count('203.0.113.7'), 0);
  assert.equal(limiter.addresses, 1, 'an address with no connections is forgotten');
});

test('0 means no limit', () => {
  const limiter = new ConnectionLimiter(0);
  for (let i = 0; i < 1000; i++) assert.ok(limiter.acquire('203.0.113.7'));
  assert.equal(limiter.count('203.0.113.7'), 1000);
});

test('IPv4-mapped addresses count as IPv4; IPv6 is counted per /64', () => {
  assert.equal(addressKey('::ffff:203.0.113.7'), '203.0.113.7');
  assert.equal(addressKey('203.0.113.7'), '203.0.113.7');
  assert.equal(addressKey('2001:db8:1:2:aaaa::1'), '2001:db8:1:2::/64');
  assert.equal(addressKey('2001:0DB8:0001:0002:bbbb:cccc:dddd:eeee'), '2001:db8:1:2::/64');
  assert.equal(addressKey('2001:db8::1'), '2001:db8:0:0::/64');
  assert.equal(addressKey('::1'), '0:0:0:0::/64');
  assert.equal(addressKey('fe80::1%eth0'), 'fe80:0:0:0::/64');
  const limiter = new ConnectionLimiter(1);
  assert.ok(limiter.acquire('2001:db8:1:2::1'));
  assert.equal(limiter.acquire('2001:db8:1:2:ffff::9'), undefined, 'same /64');
  assert.ok(limiter.acquire('2001:db8:1:3::1'), 'next /64');
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { clientAddress, parseTrustedProxies } from './trustedProxies';

test('CONFAB_TRUST_PROXY: addresses and CIDR blocks, IPv4 and IPv6, IPv4-mapped peers match IPv4 entries', () => {
  const proxies = parseTrustedProxies(' 10.0.0.5, 192.168.0.0/24 ,::1, fd00::/8 ');
  assert.equal(proxies.empty, false);
  for (const yes of ['10.0.0.5', '::ffff:10.0.0.5', '192.168.0.77', '::1', 'fd12:3456::1']) assert.equal(proxies.trusts(yes), true, yes);
  for (const no of ['10.0.0.6', '192.168.1.1', '::2', 'fe80::1', 'unknown', '']) assert.equal(proxies.trusts(no), false, no);
});

test('CONFAB_TRUST_PROXY: unset or empty trusts nobody; a bad entry is refused by name', () => {
  assert.equal(parseTrustedProxies(undefined).empty, true);
  assert.equal(parseTrustedProxies(' , ').trusts('127.0.0.1'), false);
  for (const bad of ['proxy.example', '10.0.0.0/33', '10.0.0.0/8/1', '::/129', '10.0.0.0/x', '10.0.0.256']) {
    assert.throws(() => parseTrustedProxies(`127.0.0.1,${bad}`), (e: Error) => e.message.includes(`"${bad}"`), bad);
  }
});

test('X-Forwarded-For is ignored unless the direct peer is a trusted proxy', () => {
  const none = parseTrustedProxies(undefined);
  assert.equal(clientAddress('203.0.113.9', '198.51.100.1', none), '203.0.113.9');
  const proxies = parseTrustedProxies('10.0.0.0/8');
  assert.equal(clientAddress('203.0.113.9', '198.51.100.1', proxies), '203.0.113.9', 'an untrusted peer cannot pick its address');
  assert.equal(clientAddress('10.0.0.2', undefined, proxies), '10.0.0.2', 'a trusted peer without the header is the client');
});

test('from a trusted proxy, the right-most address that is not a trusted proxy is the client', () => {
  const proxies = parseTrustedProxies('10.0.0.0/8, 127.0.0.1');
  // The client forged the first entry; the proxy appended the address it saw.
  assert.equal(clientAddress('10.0.0.2', '1.2.3.4, 198.51.100.7', proxies), '198.51.100.7');
  // Two proxy hops: skip the inner trusted one.
  assert.equal(clientAddress('127.0.0.1', '1.2.3.4, 198.51.100.7, 10.0.0.3', proxies), '198.51.100.7');
  // Several headers count as one list, in order.
  assert.equal(clientAddress('::ffff:10.0.0.2', ['1.2.3.4', '198.51.100.8'], proxies), '198.51.100.8');
  // Everything trusted: the left-most one reached.
  assert.equal(clientAddress('10.0.0.2', '10.0.0.9, 10.0.0.3', proxies), '10.0.0.9');
  // Garbage left of trusted hops stops the walk at the last trusted one.
  assert.equal(clientAddress('10.0.0.2', 'nonsense, 10.0.0.3', proxies), '10.0.0.3');
  assert.equal(clientAddress('10.0.0.2', 'nonsense', proxies), '10.0.0.2');
  // Forms some proxies write: ports, brackets, IPv4-mapped, spaces.
  assert.equal(clientAddress('10.0.0.2', ' 198.51.100.7:5123 ', proxies), '198.51.100.7');
  assert.equal(clientAddress('10.0.0.2', '[2001:db8::7]:443', proxies), '2001:db8::7');
  assert.equal(clientAddress('10.0.0.2', '2001:db8::8', proxies), '2001:db8::8');
  assert.equal(clientAddress('10.0.0.2', '::ffff:198.51.100.9', proxies), '198.51.100.9');
});

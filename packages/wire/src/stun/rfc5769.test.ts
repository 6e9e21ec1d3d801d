import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { buildStun } from './buildStun';
import { StunClass, StunMethod } from './constants';
import { shortTermKey, verifyStunFingerprint, verifyStunIntegrity } from './integrity';
import { parseStun } from './parseStun';
import {
  RFC5769_IPV4_RESPONSE,
  RFC5769_IPV6_RESPONSE,
  RFC5769_LONG_TERM,
  RFC5769_LONG_TERM_REQUEST,
  RFC5769_PASSWORD,
  RFC5769_REQUEST,
  RFC5769_TRANSACTION_ID,
} from './rfc5769.fixtures';

const key = shortTermKey(RFC5769_PASSWORD);

test('RFC 5769 2.1: the sample request parses, and its integrity and fingerprint verify', () => {
  const msg = parseStun(RFC5769_REQUEST);
  assert.ok(msg);
  assert.equal(msg.length, 108);
  assert.equal(msg.method, StunMethod.Binding);
  assert.equal(msg.messageClass, StunClass.Request);
  assert.deepEqual(Buffer.from(msg.transactionId), RFC5769_TRANSACTION_ID);
  assert.equal(msg.software, 'STUN test client');
  assert.equal(msg.priority, 0x6e0001ff);
  assert.equal(msg.iceControlled, 0x932ff9b151263b36n);
  assert.equal(msg.iceControlling, undefined);
  assert.equal(msg.username, 'evtj:h6vY');
  assert.equal(msg.useCandidate, false);
  assert.equal(msg.integrityOffset, 76);
  assert.equal(msg.fingerprintOffset, 100);
  assert.equal(msg.unknownRequired, undefined);
  assert.ok(verifyStunIntegrity(RFC5769_REQUEST, msg, key));
  assert.ok(verifyStunFingerprint(RFC5769_REQUEST, msg));
  assert.ok(!verifyStunIntegrity(RFC5769_REQUEST, msg, shortTermKey('wrong password')));
});

test('RFC 5769 2.2: the IPv4 response gives 192.0.2.1:32853 and verifies', () => {
  const msg = parseStun(RFC5769_IPV4_RESPONSE);
  assert.ok(msg);
  assert.equal(msg.messageClass, StunClass.SuccessResponse);
  assert.equal(msg.software, 'test vector');
  assert.deepEqual(msg.xorMappedAddress, { family: 4, address: '192.0.2.1', port: 32853 });
  assert.ok(verifyStunIntegrity(RFC5769_IPV4_RESPONSE, msg, key));
  assert.ok(verifyStunFingerprint(RFC5769_IPV4_RESPONSE, msg));
});

test('RFC 5769 2.3: the IPv6 response gives [2001:db8:1234:5678:11:2233:4455:6677]:32853 and verifies', () => {
  const msg = parseStun(RFC5769_IPV6_RESPONSE);
  assert.ok(msg);
  assert.deepEqual(msg.xorMappedAddress, { family: 6, address: '2001:db8:1234:5678:11:2233:4455:6677', port: 32853 });
  assert.ok(verifyStunIntegrity(RFC5769_IPV6_RESPONSE, msg, key));
  assert.ok(verifyStunFingerprint(RFC5769_IPV6_RESPONSE, msg));
});

test('RFC 5769 2.4: the long-term request verifies with MD5(username:realm:password); NONCE and REALM are known', () => {
  const msg = parseStun(RFC5769_LONG_TERM_REQUEST);
  assert.ok(msg);
  assert.equal(msg.username, RFC5769_LONG_TERM.username);
  assert.equal(msg.unknownRequired, undefined);
  assert.equal(msg.fingerprintOffset, -1);
  const { username, realm, password } = RFC5769_LONG_TERM;
  const longTermKey = createHash('md5').update(`${username}:${realm}:${password}`, 'utf8').digest();
  assert.ok(verifyStunIntegrity(RFC5769_LONG_TERM_REQUEST, msg, longTermKey));
  assert.ok(!verifyStunFingerprint(RFC5769_LONG_TERM_REQUEST, msg), 'no FINGERPRINT to verify');
});

/**
 * The vectors pad with spaces where buildStun pads with zeros, and the padding is inside the
 * HMAC and CRC, so the builder is compared byte for byte everywhere except those padding bytes
 * and the two checksums, whose correctness the verifiers (checked against the vectors above) show.
 */
function assertSameExceptPadding(built: Buffer, vector: Buffer, ignore: Array<[number, number]>): void {
  assert.equal(built.length, vector.length);
  for (let i = 0; i < vector.length; i++) {
    if (ignore.some(([from, to]) => i >= from && i < to)) continue;
    assert.equal(built[i], vector[i], `byte ${i}: 0x${built[i]?.toString(16)} vs 0x${vector[i]?.toString(16)}`);
  }
}

test('buildStun reproduces the 2.1 request byte for byte (outside padding and checksums), and it verifies', () => {
  const built = buildStun({
    messageClass: StunClass.Request,
    transactionId: RFC5769_TRANSACTION_ID,
    software: 'STUN test client',
    priority: 0x6e0001ff,
    iceControlled: 0x932ff9b151263b36n,
    username: 'evtj:h6vY',
    integrityKey: key,
    fingerprint: true,
  });
  assertSameExceptPadding(built, RFC5769_REQUEST, [[73, 76], [80, 100], [104, 108]]);
  const msg = parseStun(built);
  assert.ok(msg && verifyStunIntegrity(built, msg, key) && verifyStunFingerprint(built, msg));
});

test('buildStun reproduces the 2.2 and 2.3 responses (XOR-MAPPED-ADDRESS of both families exactly)', () => {
  for (const [vector, address] of [
    [RFC5769_IPV4_RESPONSE, '192.0.2.1'],
    [RFC5769_IPV6_RESPONSE, '2001:db8:1234:5678:11:2233:4455:6677'],
  ] as const) {
    const built = buildStun({
      messageClass: StunClass.SuccessResponse,
      transactionId: RFC5769_TRANSACTION_ID,
      software: 'test vector',
      xorMappedAddress: { address, port: 32853 },
      integrityKey: key,
      fingerprint: true,
    });
    const mi = parseStun(vector)!.integrityOffset;
    assertSameExceptPadding(built, vector, [[35, 36], [mi + 4, mi + 24], [vector.length - 4, vector.length]]);
    const msg = parseStun(built);
    assert.ok(msg && verifyStunIntegrity(built, msg, key) && verifyStunFingerprint(built, msg));
    assert.equal(msg.xorMappedAddress?.address, address);
  }
});

test('an attribute after MESSAGE-INTEGRITY other than FINGERPRINT is ignored and does not break the integrity', () => {
  // Insert PRIORITY between MI and FINGERPRINT of 2.1 (and fix up the lengths and the CRC by rebuilding).
  const extra = Buffer.from('0024000400000001', 'hex');
  const withExtra = Buffer.concat([RFC5769_REQUEST.subarray(0, 100), extra, RFC5769_REQUEST.subarray(100)]);
  withExtra.writeUInt16BE(withExtra.length - 20, 2);
  const msg = parseStun(withExtra);
  assert.ok(msg);
  assert.equal(msg.priority, 0x6e0001ff, 'the first PRIORITY, before MI, counts');
  assert.ok(verifyStunIntegrity(withExtra, msg, key));
  assert.ok(!verifyStunFingerprint(withExtra, msg), 'the CRC now covers different bytes');
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildStun } from './buildStun';
import { StunClass, StunErrorCode, StunMethod, stunClassOf, stunMessageType, stunMethodOf } from './constants';
import { HmacSha1Key } from './hmacSha1';
import { shortTermKey, verifyStunFingerprint, verifyStunIntegrity } from './integrity';
import { isStun, parseStun } from './parseStun';
import { RFC5769_REQUEST } from './rfc5769.fixtures';

const TID = Buffer.from('000102030405060708090a0b', 'hex');

/** A Binding request with the given raw attribute bytes after the header. */
function withAttributes(hexAttributes: string): Buffer {
  const body = Buffer.from(hexAttributes.replace(/\s+/g, ''), 'hex');
  const header = Buffer.from('00010000 2112a442'.replace(/\s+/g, ''), 'hex');
  header.writeUInt16BE(body.length, 2);
  return Buffer.concat([header, TID, body]);
}

test('message type: method and class bits interleave as RFC 8489 6 says', () => {
  assert.equal(stunMessageType(StunMethod.Binding, StunClass.Request), 0x0001);
  assert.equal(stunMessageType(StunMethod.Binding, StunClass.Indication), 0x0011);
  assert.equal(stunMessageType(StunMethod.Binding, StunClass.SuccessResponse), 0x0101);
  assert.equal(stunMessageType(StunMethod.Binding, StunClass.ErrorResponse), 0x0111);
  for (const method of [0x001, 0x003, 0x00f, 0x0ff, 0xfff]) {
    for (const cls of [0, 1, 2, 3] as const) {
      const type = stunMessageType(method, cls);
      assert.equal(stunMethodOf(type), method);
      assert.equal(stunClassOf(type), cls);
    }
  }
});

test('malformed messages parse to null', () => {
  const valid = withAttributes('00240004 00000001');
  assert.ok(parseStun(valid));
  const cases: Array<[string, Buffer]> = [
    ['empty', Buffer.alloc(0)],
    ['shorter than a header', valid.subarray(0, 19)],
    ['first byte >= 4 (not STUN by RFC 7983)', Buffer.concat([Buffer.from([0x40]), valid.subarray(1)])],
    ['wrong magic cookie', Buffer.concat([valid.subarray(0, 4), Buffer.from('2112a443', 'hex'), valid.subarray(8)])],
    ['length not a multiple of 4', (() => { const b = Buffer.from(valid); b.writeUInt16BE(6, 2); return b; })()],
    ['length beyond the datagram', (() => { const b = Buffer.from(valid); b.writeUInt16BE(12, 2); return b; })()],
    ['attribute longer than the message', withAttributes('00240008 00000001')],
    ['attribute header cut short', withAttributes('00240004 00000001 0025')],
    ['PRIORITY of 2 bytes', withAttributes('00240002 00010000')],
    ['USE-CANDIDATE with a value', withAttributes('00250004 00000000')],
    ['ICE-CONTROLLING of 4 bytes', withAttributes('802a0004 00000000')],
    ['MESSAGE-INTEGRITY of 16 bytes', withAttributes('00080010' + '00'.repeat(16))],
    ['FINGERPRINT of 8 bytes', withAttributes('80280008' + '00'.repeat(8))],
    ['anything after FINGERPRINT', withAttributes('80280004 00000000 00240004 00000001')],
    ['XOR-MAPPED-ADDRESS of family 3', withAttributes('00200008 0003a147 e112a643')],
    ['IPv4 XOR-MAPPED-ADDRESS of IPv6 size', withAttributes('00200014 0001a147' + '00'.repeat(16))],
    ['ERROR-CODE class 7', withAttributes('00090004 00000701')],
    ['ERROR-CODE number 100', withAttributes('00090004 00000464')],
    ['USERNAME that is not UTF-8', withAttributes('00060002 c3280000')],
    ['USERNAME of 513 bytes', withAttributes('00060201' + '61'.repeat(513) + '000000')],
    ['UNKNOWN-ATTRIBUTES of odd length', withAttributes('000a0003 00010200')],
  ];
  for (const [what, buf] of cases) assert.equal(parseStun(buf), null, what);
});

test('the length argument bounds the message; trailing bytes after it are not part of it', () => {
  const msg = Buffer.concat([withAttributes('00240004 00000007'), Buffer.from('deadbeef', 'hex')]);
  assert.equal(parseStun(msg)?.length, 28);
  assert.equal(parseStun(msg, 27), null);
  assert.equal(parseStun(msg, msg.length + 1), null, 'a length beyond the buffer');
  assert.ok(!isStun(msg, 19));
});

test('unknown attributes: comprehension-required ones are listed once, optional ones ignored, repeats keep the first', () => {
  const msg = parseStun(
    withAttributes('7f010000 7f010000 c0570004 00010002 00240004 00000001 00240004 00000002 7f020002 aaaa0000'),
  );
  assert.ok(msg);
  assert.deepEqual(msg.unknownRequired, [0x7f01, 0x7f02]);
  assert.equal(msg.priority, 1);
});

test('parsing never writes into the buffer (a Buffer slice is a view: an earlier version un-xored in place)', () => {
  const copy = Buffer.from(RFC5769_REQUEST);
  parseStun(copy);
  assert.deepEqual(copy, RFC5769_REQUEST);
  const response = buildStun({
    messageClass: StunClass.SuccessResponse,
    transactionId: TID,
    xorMappedAddress: { address: '::1', port: 9 },
  });
  const before = Buffer.from(response);
  parseStun(response);
  assert.deepEqual(response, before);
});

test('build -> parse round trip of every attribute the lite agent writes or reads', () => {
  const key = shortTermKey('pass-word-of-22-chars!');
  const request = buildStun({
    messageClass: StunClass.Request,
    transactionId: TID,
    username: 'abcd:efgh',
    priority: 1853824767,
    useCandidate: true,
    iceControlling: 0xfedcba9876543210n,
    integrityKey: key,
    fingerprint: true,
  });
  const r = parseStun(request);
  assert.ok(r);
  assert.equal(r.username, 'abcd:efgh');
  assert.equal(r.priority, 1853824767);
  assert.equal(r.useCandidate, true);
  assert.equal(r.iceControlling, 0xfedcba9876543210n);
  assert.ok(verifyStunIntegrity(request, r, key));
  assert.ok(verifyStunFingerprint(request, r));
  assert.ok(!verifyStunIntegrity(request, r, shortTermKey('other')));
  assert.ok(verifyStunIntegrity(request, r, new HmacSha1Key(key)), 'a pre-padded key verifies the same');
  for (const i of [r.integrityOffset + 4, r.integrityOffset + 23]) {
    const forged = Buffer.from(request);
    forged[i]! ^= 1;
    assert.ok(!verifyStunIntegrity(forged, r, key), `HMAC byte ${i - r.integrityOffset - 4} changed`);
  }
  assert.ok(!verifyStunIntegrity(request.subarray(0, r.integrityOffset + 10), r, key), 'an HMAC cut short');

  const error = buildStun({
    messageClass: StunClass.ErrorResponse,
    transactionId: TID,
    errorCode: { code: StunErrorCode.UnknownAttribute, reason: 'Unknown Attribute' },
    unknownAttributes: [0x7f01, 0x7f02, 0x7f03],
    fingerprint: true,
  });
  const e = parseStun(error);
  assert.ok(e);
  assert.equal(e.messageClass, StunClass.ErrorResponse);
  assert.deepEqual(e.errorCode, { code: 420, reason: 'Unknown Attribute' });
  assert.deepEqual(e.unknownAttributes, [0x7f01, 0x7f02, 0x7f03]);
  assert.equal(e.integrityOffset, -1);
  assert.ok(verifyStunFingerprint(error, e));
  assert.ok(!verifyStunIntegrity(error, e, key), 'no integrity to verify');
});

test('XOR-MAPPED-ADDRESS: IPv4-mapped IPv6 peers (dual-stack socket) are written as IPv4; IPv6 text is RFC 5952', () => {
  const build = (address: string) =>
    parseStun(
      buildStun({ messageClass: StunClass.SuccessResponse, transactionId: TID, xorMappedAddress: { address, port: 65535 } }),
    )?.xorMappedAddress;
  assert.deepEqual(build('::ffff:10.1.2.3'), { family: 4, address: '10.1.2.3', port: 65535 });
  for (const address of ['::1', '::', 'fe80::1', '1::', '2001:db8::1:0:0:1', '2001:db8:0:1:1:1:1:1', '1:0:0:2::3']) {
    assert.deepEqual(build(address), { family: 6, address, port: 65535 }, address);
  }
  assert.equal(build('2001:DB8:0:0:0:0:0:1')?.address, '2001:db8::1');
  assert.equal(build('::192.0.2.1')?.address, '::c000:201');
  for (const bad of ['1.2.3', '256.1.1.1', '1::2::3', '1:2:3:4:5:6:7:8:9', 'example.org', '']) {
    assert.throws(() => build(bad), RangeError, bad);
  }
});

test('buildStun rejects a transaction id that is not 12 bytes and an error code outside 300-699', () => {
  assert.throws(() => buildStun({ messageClass: StunClass.Request, transactionId: Buffer.alloc(11) }), RangeError);
  assert.throws(
    () => buildStun({ messageClass: StunClass.ErrorResponse, transactionId: TID, errorCode: { code: 200, reason: '' } }),
    RangeError,
  );
});

import assert from 'node:assert/strict';
import { createHmac, randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { HmacSha1Key } from './hmacSha1';

function hmac(key: Uint8Array, message: Uint8Array): Buffer {
  const out = Buffer.alloc(20);
  const k = new HmacSha1Key(key);
  k.begin().update(message, 0, message.length);
  k.finishHmac(out, 0);
  return out;
}

test('RFC 2202 test cases 1, 2, 6 and 7 (keys of 20, 4 and 80 bytes)', () => {
  const cases: Array<[Uint8Array, string, string]> = [
    [Buffer.alloc(20, 0x0b), 'Hi There', 'b617318655057264e28bc0b6fb378c8ef146be00'],
    [Buffer.from('Jefe'), 'what do ya want for nothing?', 'effcdf6ae5eb2fa2d27416d5f184df9c259a7c79'],
    [Buffer.alloc(80, 0xaa), 'Test Using Larger Than Block-Size Key - Hash Key First', 'aa4ae5e15272d00e95705637ce8a3b55ed402112'],
    [
      Buffer.alloc(80, 0xaa),
      'Test Using Larger Than Block-Size Key and Larger Than One Block-Size Data',
      'e8e99d0f45237d786d6bbaa7965c7808bbff1a91',
    ],
  ];
  for (const [key, data, digest] of cases) assert.equal(hmac(key, Buffer.from(data)).toString('hex'), digest);
});

test('agrees with node:crypto for every message length across three blocks and keys up to 100 bytes', () => {
  for (const keyLength of [0, 1, 22, 63, 64, 65, 100]) {
    const key = randomBytes(keyLength);
    for (let length = 0; length <= 200; length++) {
      const message = randomBytes(length);
      assert.deepEqual(hmac(key, message), createHmac('sha1', key).update(message).digest(), `key ${keyLength}, message ${length}`);
    }
  }
});

test('a message fed in pieces and single bytes gives the same HMAC, and a key serves many messages', () => {
  const key = new HmacSha1Key(randomBytes(22));
  const message = randomBytes(150);
  const whole = Buffer.alloc(20);
  const pieces = Buffer.alloc(24);
  for (let round = 0; round < 3; round++) {
    key.begin().update(message, 0, message.length);
    key.finishHmac(whole, 0);
    key.begin().update(message, 0, 3).updateByte(message[3]!).updateByte(message[4]!).update(message, 5, 70).update(message, 70, 150);
    key.finishHmac(pieces, 4);
    assert.deepEqual(pieces.subarray(4), whole);
  }
});

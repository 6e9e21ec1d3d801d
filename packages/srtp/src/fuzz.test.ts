/**
 * Random and mutated input through every entry point, on both backends: nothing throws, nothing
 * crashes the native core, the two backends answer alike, forged packets create no state, and
 * memory stays flat.
 */
import assert from 'node:assert/strict';
import { randomBytes, randomInt } from 'node:crypto';
import { describe, test } from 'node:test';
import { setImmediate } from 'node:timers/promises';
import { createPacketCipher } from './backend';
import { deriveSessionKeys } from './keyDerivation';
import { loadNativeAddon } from './nativeAddon';
import { SRTP_PROFILES } from './profiles';
import { SrtpStatus } from './status';
import { BACKENDS, PROFILES, rtcpPacket, rtpPacket, sessionPair, withRoom } from './testPackets';

/** One of: random bytes, or a valid packet bit-flipped, truncated, extended or with a lying header. */
function mutate(valid: Buffer): Buffer {
  switch (randomInt(7)) {
    case 0:
      return randomBytes(randomInt(0, 80));
    case 1: {
      const b = Buffer.from(valid);
      for (let i = randomInt(1, 4); i > 0; i--) b[randomInt(b.length)]! ^= 1 << randomInt(8);
      return b;
    }
    case 2:
      return valid.subarray(0, randomInt(valid.length));
    case 3:
      return Buffer.concat([valid, randomBytes(randomInt(1, 40))]);
    case 4: {
      const b = Buffer.from(valid);
      b[0] = (b[0]! & 0xc0) | randomInt(64); // any CSRC count, extension bit, padding bit
      return b;
    }
    case 5: {
      const b = Buffer.from(valid);
      if (b.length >= 16) b.writeUInt16BE(randomInt(65536), 14); // extension length pointing anywhere
      b[0] = b[0]! | 0x10;
      return b;
    }
    default: {
      const b = Buffer.from(valid);
      b.writeUInt32BE(randomInt(2 ** 32 - 1) >>> 0, b.length - 4 >= 0 ? b.length - 4 : 0);
      return b;
    }
  }
}

/** Lengths a careless caller might pass for a buffer of `size` bytes. */
function anyLength(size: number): number {
  const odd = [-1, -(2 ** 40), NaN, Infinity, 1.5, size + 1, 2 ** 31, 2 ** 53, 0];
  return randomInt(4) === 0 ? odd[randomInt(odd.length)]! : randomInt(0, size + 1);
}

for (const profile of PROFILES) {
  for (const backend of BACKENDS) {
    describe(`fuzz ${profile} (${backend})`, () => {
      test('unprotect of random and mutated packets: statuses only, no new streams', () => {
        const { alice, bob } = sessionPair(profile, backend);
        const valid: Buffer[] = [];
        for (let i = 0; i < 50; i++) {
          const rtp = withRoom(rtpPacket({ seq: i, ssrc: 1, csrcCount: i % 3, extensionWords: i % 2, payload: randomBytes(randomInt(200)) }));
          valid.push(rtp.subarray(0, alice.protectRtp(rtp, rtp.length - 32)));
          const rtcp = withRoom(rtcpPacket(1, 4 * randomInt(20)));
          valid.push(rtcp.subarray(0, alice.protectRtcp(rtcp, rtcp.length - 32)));
        }
        for (let i = 0; i < 30_000; i++) {
          const packet = withRoom(mutate(valid[randomInt(valid.length)]!), randomInt(0, 40));
          const len = anyLength(packet.length);
          const n = i % 2 === 0 ? bob.unprotectRtp(packet, len) : bob.unprotectRtcp(packet, len);
          assert.ok(Number.isInteger(n) && n >= SrtpStatus.CryptoError, `status ${n}`);
        }
        // Only the one SSRC's RTP and RTCP streams can exist: forged packets never create one.
        assert.ok(bob.streamCount <= 2, `streams ${bob.streamCount}`);
      });

      test('protect of random input with any length: statuses only', () => {
        const { alice } = sessionPair(profile, backend, backend, { maxStreams: 8 });
        for (let i = 0; i < 20_000; i++) {
          const packet = withRoom(randomBytes(randomInt(0, 300)), randomInt(0, 40));
          if (i % 3 === 0 && packet.length > 0) packet[0] = 0x80 | (packet[0]! & 0x3f);
          const len = anyLength(packet.length);
          const n = i % 2 === 0 ? alice.protectRtp(packet, len) : alice.protectRtcp(packet, len);
          assert.ok(Number.isInteger(n) && n >= SrtpStatus.CryptoError, `status ${n}`);
        }
        assert.ok(alice.streamCount <= 16, `streams ${alice.streamCount}`);
      });
    });
  }

  describe(`fuzz ${profile}: the two ciphers answer every argument alike`, () => {
    test('random lengths, header lengths, ROCs and indexes', () => {
      const { keyLength, saltLength } = SRTP_PROFILES[profile];
      const keys = deriveSessionKeys(profile, randomBytes(keyLength), randomBytes(saltLength));
      const ts = createPacketCipher('ts', profile, keys);
      const native = createPacketCipher('native', profile, keys);
      const odd = [-1, NaN, 2 ** 32, 2 ** 31, 0x7fffffff, 0xffffffff, 1.25];
      const pick = (max: number) => (randomInt(5) === 0 ? odd[randomInt(odd.length)]! : randomInt(0, max + 1));
      for (let i = 0; i < 20_000; i++) {
        const bytes = randomBytes(randomInt(0, 120));
        const x = Buffer.from(bytes);
        const y = Buffer.from(bytes);
        const len = pick(bytes.length + 2);
        const header = pick(bytes.length);
        const value = pick(0xffffffff);
        const op = randomInt(4);
        const [a, b] =
          op === 0
            ? [ts.sealRtp(x, len, header, value), native.sealRtp(y, len, header, value)]
            : op === 1
              ? [ts.openRtp(x, len, header, value), native.openRtp(y, len, header, value)]
              : op === 2
                ? [ts.sealRtcp(x, len, value), native.sealRtcp(y, len, value)]
                : [ts.openRtcp(x, len), native.openRtcp(y, len)];
        assert.equal(a, b, `op ${op} len ${len} header ${header} value ${value}`);
        if (a >= 0 && (op === 0 || op === 2)) assert.deepEqual(x, y);
      }
    });
  });
}

describe('the native core, called with arguments no wrapper would pass', () => {
  test('wrong types, foreign objects and closed contexts give statuses, never a crash', () => {
    const addon = loadNativeAddon().addon;
    assert.ok(addon, 'native core loads');
    const ctx = addon.createContext(1, randomBytes(16), randomBytes(12), null);
    const junk: unknown[] = [undefined, null, 0, -1, 'x', {}, [], Symbol('s'), 2n, new Uint16Array(8), new ArrayBuffer(8), randomBytes(0)];
    const call = addon.sealRtp as (...args: unknown[]) => number;
    for (const a of junk) {
      assert.ok(call(a, randomBytes(64), 40, 12, 0) < 0);
      assert.ok(call(ctx, a, 40, 12, 0) < 0);
      assert.ok(call(ctx, withRoom(randomBytes(40)), a, 12, 0) < 0);
      assert.ok(call(ctx, withRoom(randomBytes(40)), 40, a, 0) < 0);
      assert.ok(call(ctx) < 0);
    }
    assert.throws(() => addon.createContext(3 as 1, randomBytes(16), randomBytes(12), null), TypeError);
    assert.throws(() => addon.createContext(2, randomBytes(16), randomBytes(14), null), TypeError, 'AES-CM needs an auth key');
    assert.throws(() => addon.createContext(1, randomBytes(15), randomBytes(12), null), TypeError);
    addon.destroyContext(ctx);
    addon.destroyContext(ctx);
    assert.equal(addon.sealRtp(ctx, withRoom(randomBytes(40)), 40, 12, 0), SrtpStatus.Closed);
  });
});

describe('memory', () => {
  // Native handles are finalized from the event loop, so each round yields to it once.
  test('stays flat over many packets and many sessions (native)', async () => {
    const mb = () => process.memoryUsage().rss / 2 ** 20;
    const { alice, bob } = sessionPair('AEAD_AES_128_GCM', 'native');
    const buf = withRoom(rtpPacket({ seq: 0, ssrc: 1, payload: randomBytes(1100) }));
    const round = async () => {
      for (let i = 0; i < 20_000; i++) {
        buf.writeUInt16BE(i & 0xffff, 2);
        const n = alice.protectRtp(buf, 1112);
        bob.unprotectRtp(buf, n);
        bob.unprotectRtp(buf, randomInt(1200)); // garbage lengths too
      }
      for (let i = 0; i < 2_000; i++) {
        const pair = sessionPair('AES_CM_128_HMAC_SHA1_80', 'native');
        pair.alice.close();
        if (i % 2 === 0) pair.bob.close(); // the other half is left to the finalizer
      }
      await setImmediate();
    };
    for (let i = 0; i < 3; i++) await round();
    const before = mb();
    for (let i = 0; i < 10; i++) await round();
    const grown = mb() - before;
    assert.ok(grown < 25, `RSS grew ${grown.toFixed(1)} MB over 200k packets and 20k session pairs`);
  });
});

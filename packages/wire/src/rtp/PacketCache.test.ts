import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PacketCache } from './PacketCache';
import { rtpSeq } from './rtpHeader';

function packet(seq: number, size = 100): Buffer {
  const buf = Buffer.alloc(size, seq & 0xff);
  buf[0] = 0x80;
  buf[1] = 96;
  buf.writeUInt16BE(seq, 2);
  return buf;
}

describe('PacketCache', () => {
  it('returns what was stored, by sequence number', () => {
    const cache = new PacketCache(8, 200);
    cache.store(packet(10, 120), 120, 0);
    cache.store(packet(11, 80), 80, 1);
    assert.equal(cache.lookup(10, 2), 120);
    assert.deepEqual(cache.slot(10).subarray(0, 120), packet(10, 120));
    const out = Buffer.alloc(1500);
    assert.equal(cache.copyTo(11, out, 2), 80);
    assert.deepEqual(out.subarray(0, 80), packet(11, 80));
    assert.equal(cache.lookup(12, 2), -1);
  });

  it('a newer packet replaces the one capacity sequence numbers older, never served as the wrong one', () => {
    const cache = new PacketCache(8, 200);
    cache.store(packet(3), 100, 0);
    cache.store(packet(11), 100, 1);
    assert.equal(cache.lookup(3, 2), -1);
    assert.equal(rtpSeq(cache.slot(11)), 11);
  });

  it('follows the 16-bit wrap', () => {
    const cache = new PacketCache(16, 200);
    for (const seq of [65534, 65535, 0, 1]) cache.store(packet(seq), 100, 0);
    for (const seq of [65534, 65535, 0, 1]) assert.equal(cache.lookup(seq, 0), 100, String(seq));
    assert.equal(cache.lookup(65536 + 1, 0), 100, 'numbers are taken mod 2^16');
  });

  it('refuses packets larger than a slot, and forgets by age and by clear()', () => {
    const cache = new PacketCache(4, 64);
    assert.equal(cache.store(packet(1, 65), 65, 0), false);
    assert.equal(cache.lookup(1, 0), -1);
    cache.store(packet(2, 64), 64, 0);
    assert.equal(cache.lookup(2, 500, 1000), 64);
    assert.equal(cache.lookup(2, 1500, 1000), -1);
    assert.equal(cache.copyTo(2, Buffer.alloc(10), 0), -1, 'destination too small');
    cache.clear();
    assert.equal(cache.lookup(2, 0), -1);
  });

  it('insists on a power-of-two capacity', () => {
    assert.throws(() => new PacketCache(100), RangeError);
    assert.throws(() => new PacketCache(0), RangeError);
    assert.throws(() => new PacketCache(8, 10), RangeError);
  });
});

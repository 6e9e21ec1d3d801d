import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { NackGenerator } from './NackGenerator';

function collect(gen: NackGenerator, nowMs: number, rttMs: number, capacity = 64): number[] {
  const out = new Uint16Array(capacity);
  return Array.from(out.subarray(0, gen.collect(nowMs, rttMs, out)));
}

describe('NackGenerator', () => {
  it('NACKs a gap at once, again after each round trip, and gives up after maxRetries', () => {
    const gen = new NackGenerator({ maxRetries: 3, maxAgeMs: 10_000 });
    gen.onPacket(10, 0);
    gen.onPacket(13, 1);
    assert.equal(gen.missing, 2);
    assert.deepEqual(collect(gen, 1, 50), [11, 12]);
    assert.deepEqual(collect(gen, 30, 50), [], 'not before a round trip has passed');
    assert.deepEqual(collect(gen, 51, 50), [11, 12]);
    assert.deepEqual(collect(gen, 101, 50), [11, 12]);
    assert.deepEqual(collect(gen, 151, 50), [], 'three tries, then given up');
    assert.equal(gen.missing, 0);
  });

  it('stops asking for a packet once it arrives (retransmitted or late)', () => {
    const gen = new NackGenerator();
    gen.onPacket(1, 0);
    gen.onPacket(5, 0);
    assert.deepEqual(collect(gen, 0, 20), [2, 3, 4]);
    gen.onPacket(3, 5);
    assert.deepEqual(collect(gen, 30, 20), [2, 4]);
    gen.onPacket(2, 31);
    gen.onPacket(4, 31);
    assert.equal(gen.missing, 0);
  });

  it('gives up on packets older than maxAgeMs', () => {
    const gen = new NackGenerator({ maxAgeMs: 100, maxRetries: 100 });
    gen.onPacket(1, 0);
    gen.onPacket(3, 0);
    assert.deepEqual(collect(gen, 0, 10), [2]);
    assert.deepEqual(collect(gen, 100, 10), [2]);
    assert.deepEqual(collect(gen, 101, 10), []);
    assert.equal(gen.missing, 0);
  });

  it('uses a floor under a tiny round-trip time', () => {
    const gen = new NackGenerator({ minRetryIntervalMs: 20 });
    gen.onPacket(1, 0);
    gen.onPacket(3, 0);
    collect(gen, 0, 1);
    assert.deepEqual(collect(gen, 10, 1), []);
    assert.deepEqual(collect(gen, 20, 1), [2]);
  });

  it('follows the 16-bit wrap', () => {
    const gen = new NackGenerator();
    gen.onPacket(65533, 0);
    gen.onPacket(2, 0);
    assert.deepEqual(collect(gen, 0, 10), [65534, 65535, 0, 1]);
  });

  it('fills at most the output it is given, oldest first, and sends the rest next time', () => {
    const gen = new NackGenerator();
    gen.onPacket(0, 0);
    gen.onPacket(11, 0);
    assert.deepEqual(collect(gen, 0, 100, 4), [1, 2, 3, 4]);
    assert.deepEqual(collect(gen, 1, 100, 100), [5, 6, 7, 8, 9, 10]);
  });

  it('on overflow keeps what follows the last key frame, else clears and asks for a key frame', () => {
    const gen = new NackGenerator({ maxListSize: 10 });
    gen.onPacket(0, 0);
    assert.equal(gen.onPacket(8, 0), false); // 1-7 missing
    assert.equal(gen.onPacket(9, 0, true), false); // key frame at 9
    assert.equal(gen.onPacket(14, 0), false, '1-7 are dropped to make room for 10-13');
    assert.deepEqual(collect(gen, 0, 10), [10, 11, 12, 13]);
    assert.equal(gen.onPacket(30, 0), true, '16 more cannot fit');
    assert.equal(gen.missing, 0);
    assert.equal(gen.onPacket(31, 0), false);
  });

  it('treats a jump beyond maxJump as a restart, not as loss', () => {
    const gen = new NackGenerator({ maxJump: 1000 });
    gen.onPacket(100, 0);
    gen.onPacket(102, 0);
    assert.equal(gen.onPacket(30000, 1), false);
    assert.equal(gen.missing, 0);
    gen.onPacket(30002, 2);
    assert.deepEqual(collect(gen, 2, 10), [30001]);
    gen.onPacket(5, 3); // backwards restart
    assert.equal(gen.missing, 0);
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SeqUnwrapper, seqDelta, seqNewer } from './seq';

describe('sequence arithmetic', () => {
  it('compares across the wrap', () => {
    assert.equal(seqNewer(1, 0), true);
    assert.equal(seqNewer(0, 65535), true);
    assert.equal(seqNewer(65535, 0), false);
    assert.equal(seqNewer(5, 5), false);
    assert.equal(seqDelta(2, 65534), 4);
    assert.equal(seqDelta(65534, 2), -4);
    assert.equal(seqDelta(0x8000, 0), -0x8000);
  });

  it('unwraps forward wraps, reordering across the wrap, and backward steps', () => {
    const u = new SeqUnwrapper();
    const base = u.unwrap(65534);
    assert.deepEqual([65535, 0, 65533, 1, 2].map((s) => u.unwrap(s) - base), [1, 2, -1, 3, 4]);
    const v = new SeqUnwrapper();
    const start = v.unwrap(3);
    assert.equal(v.unwrap(65530) - start, -9);
    assert.ok(v.unwrap(65530) > 0, 'never negative');
    v.reset();
    assert.equal(v.unwrap(7), start + 4);
  });
});

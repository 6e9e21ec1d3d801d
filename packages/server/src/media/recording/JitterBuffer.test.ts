import assert from 'node:assert/strict';
import { test } from 'node:test';
import { JitterBuffer } from './JitterBuffer';

function packet(seq: number): Buffer {
  const p = Buffer.alloc(16);
  p[0] = 0x80;
  p.writeUInt16BE(seq & 0xffff, 2);
  p.writeUInt32BE(seq, 12); // a body to tell copies apart
  return p;
}

function buffer(maxWaitMs = 200, capacity = 64) {
  const out: Array<{ seq: number; afterLoss: boolean; body: number }> = [];
  const jb = new JitterBuffer(capacity, maxWaitMs, (buf, _len, _at, afterLoss) => out.push({ seq: buf.readUInt16BE(2), afterLoss, body: buf.readUInt32BE(12) }));
  return { jb, out, seqs: () => out.map((o) => o.seq) };
}

test('reordered packets come out in order, across the 16-bit wrap, copied (the caller reuses its buffer)', () => {
  const { jb, out, seqs } = buffer();
  const shared = Buffer.alloc(16);
  for (const [i, seq] of [65534, 0, 65535, 1, 2].entries()) {
    packet(seq).copy(shared);
    jb.insert(shared, 16, i);
  }
  assert.deepEqual(seqs(), [65534, 65535, 0, 1, 2]);
  assert.deepEqual(out.map((o) => o.body), [65534, 65535, 0, 1, 2]);
  assert.ok(out.every((o) => !o.afterLoss));
});

test('a gap is waited for up to maxWaitMs from the oldest packet behind it, then skipped and flagged', () => {
  const { jb, out, seqs } = buffer(200);
  jb.insert(packet(10), 16, 0);
  jb.insert(packet(12), 16, 10);
  jb.insert(packet(13), 16, 20);
  jb.drain(150);
  assert.deepEqual(seqs(), [10]);
  jb.insert(packet(11), 16, 160); // the retransmission, in time
  assert.deepEqual(seqs(), [10, 11, 12, 13]);
  jb.insert(packet(15), 16, 300);
  jb.drain(499);
  assert.deepEqual(seqs(), [10, 11, 12, 13]);
  jb.drain(500);
  assert.deepEqual(seqs(), [10, 11, 12, 13, 15]);
  assert.deepEqual(out.map((o) => o.afterLoss), [false, false, false, false, true]);
  assert.equal(jb.skipped, 1);
  jb.insert(packet(14), 16, 510); // too late now
  assert.equal(jb.late, 1);
  assert.equal(out.length, 5);
});

test('a duplicate is dropped; a jump beyond the capacity gives up what stands in the way', () => {
  const { jb, seqs } = buffer(200, 8);
  jb.insert(packet(1), 16, 0);
  jb.insert(packet(3), 16, 0);
  jb.insert(packet(3), 16, 0);
  assert.equal(jb.late, 1);
  jb.insert(packet(20), 16, 1);
  assert.deepEqual(seqs(), [1, 3]);
  assert.equal(jb.size, 1);
  jb.flush();
  assert.deepEqual(seqs(), [1, 3, 20]);
});

test('numbering that goes back for good (a restarted sender) starts over once a buffer-full of packets was late', () => {
  const { jb, seqs } = buffer(200, 8);
  for (let seq = 5000; seq < 5004; seq++) jb.insert(packet(seq), 16, 0);
  for (let seq = 100; seq < 100 + 8; seq++) jb.insert(packet(seq), 16, 1);
  assert.deepEqual(seqs(), [5000, 5001, 5002, 5003, 107]);
  jb.insert(packet(108), 16, 2);
  assert.deepEqual(seqs().slice(-2), [107, 108]);
});

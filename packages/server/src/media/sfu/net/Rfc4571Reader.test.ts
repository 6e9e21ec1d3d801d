import assert from 'node:assert/strict';
import { test } from 'node:test';
import { frameRfc4571, Rfc4571Reader } from './Rfc4571Reader';

function collect(): { frames: Buffer[]; reader: Rfc4571Reader } {
  const frames: Buffer[] = [];
  return { frames, reader: new Rfc4571Reader((f) => frames.push(Buffer.from(f))) };
}

test('frames survive any split of the stream into chunks', () => {
  const payloads = [Buffer.from('a'), Buffer.alloc(1200, 7), Buffer.from('xyz'), Buffer.alloc(65535, 1)];
  const stream = Buffer.concat(payloads.map((p) => frameRfc4571(p, p.length)));
  for (const chunk of [1, 2, 3, 7, 1000, stream.length]) {
    const { frames, reader } = collect();
    for (let i = 0; i < stream.length; i += chunk) reader.push(stream.subarray(i, i + chunk));
    assert.deepEqual(frames, payloads, `chunks of ${chunk}`);
    assert.equal(reader.buffered, 0);
  }
});

test('a frame within one chunk is a view, not a copy; an empty frame is skipped', () => {
  const seen: Buffer[] = [];
  const reader = new Rfc4571Reader((f) => seen.push(f));
  const chunk = Buffer.concat([Buffer.from([0, 0]), frameRfc4571(Buffer.from('hello'), 5)]);
  reader.push(chunk);
  assert.equal(seen.length, 1);
  assert.equal(seen[0]!.buffer, chunk.buffer);
  assert.equal(seen[0]!.toString(), 'hello');
});

test('an incomplete frame is held until the rest arrives', () => {
  const { frames, reader } = collect();
  reader.push(Buffer.from([0x00, 0x05, 0x61, 0x62]));
  assert.equal(frames.length, 0);
  assert.equal(reader.buffered, 4);
  reader.push(Buffer.from([0x63, 0x64, 0x65, 0x00]));
  assert.deepEqual(frames.map(String), ['abcde']);
  assert.equal(reader.buffered, 1);
});

test('frameRfc4571 copies only the first length bytes behind a big-endian length', () => {
  const frame = frameRfc4571(Buffer.from('abcdef'), 4);
  assert.deepEqual(frame, Buffer.from([0x00, 0x04, 0x61, 0x62, 0x63, 0x64]));
});

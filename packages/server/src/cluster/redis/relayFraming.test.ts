import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FRAME_MAX_BYTES, FRAME_MAX_ITEMS, relayFrames } from './relayFraming';
import { relayFrame, type RelayItem } from './relayMessages';

const FROM = 'node-a#0123abcd';
const message = (n: number, bytes = 40): RelayItem => ({ kind: 'message', data: 'x'.repeat(bytes), to: [{ link: 'node-b#89abcdef.7', seq: n, n }] });

/** Every frame valid for the receiver, and all of them together the items in order. */
function unpack(frames: { payload: string; items: number }[]): RelayItem[] {
  return frames.flatMap((frame) => {
    const parsed = relayFrame.parse(JSON.parse(frame.payload));
    assert.equal(parsed.from, FROM);
    assert.equal(parsed.items.length, frame.items);
    return parsed.items;
  });
}

test('a few items travel as one frame', () => {
  const items = [message(1), { kind: 'ack', link: 'node-b#89abcdef.7', seq: 3 } as const, message(2)];
  const frames = relayFrames(FROM, items);
  assert.equal(frames.length, 1);
  assert.deepEqual(unpack(frames), items);
});

test('a burst of 25,000 items (a big room told of many detaches at once) is split into frames the receiver accepts, in order', () => {
  const items = Array.from({ length: 25_000 }, (_, i) => message(i + 1));
  const frames = relayFrames(FROM, items);
  assert.equal(frames.length, Math.ceil(25_000 / FRAME_MAX_ITEMS));
  assert.deepEqual(unpack(frames), items);
});

test('big items close a frame at about FRAME_MAX_BYTES; one item bigger than that travels alone', () => {
  const items = [...Array.from({ length: 30 }, (_, i) => message(i + 1, 100_000)), message(31, 1_050_000), message(32)];
  const frames = relayFrames(FROM, items);
  for (const frame of frames) assert.ok(frame.items === 1 || frame.payload.length <= FRAME_MAX_BYTES + 200, `${frame.payload.length} bytes in ${frame.items} items`);
  assert.ok(frames.some((f) => f.items === 1 && f.payload.length > FRAME_MAX_BYTES), 'the big one alone');
  assert.deepEqual(unpack(frames), items);
});

test('no items, no frame', () => {
  assert.deepEqual(relayFrames(FROM, []), []);
});

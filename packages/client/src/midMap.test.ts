import assert from 'node:assert/strict';
import { test } from 'node:test';
import { reconcileMids, type MidEntry } from './midMap';

interface Slot extends MidEntry {
  media?: string;
}

const create = (entry: MidEntry): Slot => ({ ...entry });

test('the first offer creates a slot per listed mid', () => {
  const { next, removed } = reconcileMids<Slot>(new Map(), [
    { mid: '0', trackId: 't1', participantId: 'p1' },
    { mid: '1', trackId: 't2', participantId: 'p2' },
  ], create);
  assert.deepEqual([...next.keys()], ['0', '1']);
  assert.equal(next.get('1')?.trackId, 't2');
  assert.deepEqual(removed, []);
});

test('unchanged mids keep their slot (and its media); dropped mids are removed', () => {
  const first = reconcileMids<Slot>(new Map(), [
    { mid: '0', trackId: 't1', participantId: 'p1' },
    { mid: '1', trackId: 't2', participantId: 'p2' },
  ], create).next;
  const kept = first.get('0')!;
  kept.media = 'stream-0';
  const { next, removed } = reconcileMids<Slot>(first, [
    { mid: '0', trackId: 't1', participantId: 'p1' },
    { mid: '2', trackId: 't3', participantId: 'p2' },
  ], create);
  assert.equal(next.get('0'), kept);
  assert.equal(next.get('0')?.media, 'stream-0');
  assert.deepEqual(removed.map((s) => s.trackId), ['t2']);
  assert.equal(next.get('2')?.trackId, 't3');
});

test('a mid reused for another track replaces the slot and reports the old one removed', () => {
  const first = reconcileMids<Slot>(new Map(), [{ mid: '0', trackId: 't1', participantId: 'p1' }], create).next;
  const { next, removed } = reconcileMids<Slot>(first, [{ mid: '0', trackId: 't9', participantId: 'p3' }], create);
  assert.deepEqual(removed.map((s) => s.trackId), ['t1']);
  assert.equal(next.get('0')?.trackId, 't9');
  assert.notEqual(next.get('0'), first.get('0'));
});

test('an empty offer removes everything', () => {
  const first = reconcileMids<Slot>(new Map(), [{ mid: '0', trackId: 't1', participantId: 'p1' }], create).next;
  const { next, removed } = reconcileMids<Slot>(first, [], create);
  assert.equal(next.size, 0);
  assert.equal(removed.length, 1);
});

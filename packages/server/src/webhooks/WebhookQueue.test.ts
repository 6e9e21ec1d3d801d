import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { WebhookEventName } from '@confab/protocol';
import { roomLife } from './testEvents';
import { WebhookQueue, type Dropped, type Lane, type SignedEvent } from './WebhookQueue';

let lives = new Map<string, ReturnType<typeof roomLife>>();
function event(sid: string, name: WebhookEventName, about?: string): SignedEvent {
  let life = lives.get(sid);
  if (!life) lives.set(sid, (life = roomLife(sid)));
  return { event: life(name, about), body: '', headers: {} };
}
const ids = (lane: Lane | undefined) => lane?.deliveries.map((d) => d.signed.event.id) ?? [];
const dropIds = (dropped: Dropped[]) => dropped.map((d) => `${d.delivery.signed.event.id}@${d.lane.url}:${d.reason}`);

test('each event waits once per URL, in lanes per room sid', () => {
  lives = new Map();
  const queue = new WebhookQueue(2, 100);
  queue.push(event('A', 'room_started'));
  queue.push(event('B', 'room_started'));
  queue.push(event('A', 'participant_joined', 'p1'));
  assert.equal(queue.size, 6);
  assert.deepEqual(queue.lanesOf('A').map((l) => [l.url, ids(l)]), [[0, ['A-1', 'A-2']], [1, ['A-1', 'A-2']]]);
  queue.accepted(queue.lanesOf('B')[0]!);
  assert.equal(queue.size, 5);
  assert.deepEqual(queue.lanesOf('B').map((l) => l.url), [1], 'an emptied lane is forgotten');
});

test('full: the oldest delivery of the URL furthest behind goes, never one in flight; the other URL keeps everything', () => {
  lives = new Map();
  const queue = new WebhookQueue(2, 6);
  const first = queue.push(event('A', 'room_started'));
  queue.push(event('B', 'room_started'));
  // URL 0 delivers everything at once; URL 1 is stuck posting A-1.
  for (const lane of queue.lanesOf('A').concat(queue.lanesOf('B'))) if (lane.url === 0) queue.accepted(lane);
  first.lanes[1]!.inFlight = Promise.resolve();
  queue.push(event('A', 'participant_joined', 'p1'));
  queue.accepted(queue.lanesOf('A')[0]!);
  assert.equal(queue.size, 3);
  const { dropped } = queue.push(event('B', 'participant_joined', 'p2'));
  assert.deepEqual(dropIds(dropped), []);
  assert.equal(queue.size, 5);
  const more = [event('B', 'track_published', 't2'), event('A', 'track_published', 't1')];
  assert.deepEqual(dropIds(queue.push(more[0]!).dropped), ['B-1@1:queue_full'], 'URL 1 is furthest behind: its oldest not in flight goes');
  assert.deepEqual(ids(queue.lanesOf('A').find((l) => l.url === 1)), ['A-1', 'A-2'], 'A-1 is in flight: kept');
  assert.deepEqual(ids(queue.lanesOf('B').find((l) => l.url === 0)), ['B-2', 'B-3'], 'URL 0 keeps its events');
  assert.equal(queue.size, 6);
  // One event, two deliveries: each makes room on URL 1.
  assert.deepEqual(dropIds(queue.push(more[1]!).dropped), ['A-2@1:queue_full', 'B-2@1:queue_full']);
  assert.equal(queue.size, 6);
  assert.deepEqual([...ids(queue.lanesOf('B')[0]), ...ids(queue.lanesOf('A')[0])], ['B-2', 'B-3', 'A-3'], 'URL 0 still has everything');
});

test('a dropped participant_joined takes its participant_left with it, queued or still to come; others stay', () => {
  lives = new Map();
  const queue = new WebhookQueue(1, 4);
  queue.push(event('A', 'room_started'));
  queue.push(event('A', 'participant_joined', 'p1'));
  queue.push(event('A', 'participant_joined', 'p2'));
  queue.push(event('A', 'participant_left', 'p1'));
  const lane = queue.lanesOf('A')[0]!;
  lane.inFlight = Promise.resolve();
  // Full: room_started is in flight, so p1's joined is the oldest to go, and its left with it.
  const { dropped } = queue.push(event('A', 'participant_left', 'p2'));
  assert.deepEqual(dropIds(dropped), ['A-2@0:queue_full', 'A-4@0:queue_full']);
  assert.deepEqual(ids(lane), ['A-1', 'A-3', 'A-5']);
  // p2's joined goes now: its left is already queued, so it goes too.
  queue.push(event('A', 'participant_joined', 'p3'));
  assert.deepEqual(ids(lane), ['A-1', 'A-3', 'A-5', 'A-6']);
  assert.deepEqual(dropIds(queue.push(event('A', 'track_published', 't1')).dropped), ['A-3@0:queue_full', 'A-5@0:queue_full']);
  // p3's joined is given up at the head: its left, still to come, is dropped when it comes.
  lane.inFlight = undefined;
  queue.accepted(lane);
  assert.deepEqual(dropIds(queue.drop(lane, lane.deliveries[0]!, 'gave_up')), ['A-6@0:gave_up']);
  assert.deepEqual(dropIds(queue.push(event('A', 'participant_left', 'p3')).dropped), ['A-8@0:gave_up']);
  assert.deepEqual(dropIds(queue.push(event('A', 'participant_left', 'p9')).dropped), [], 'a left whose joined was not dropped stays');
  assert.deepEqual(ids(lane), ['A-7', 'A-9']);
});

test('the same for a track: a rejected track_published drops its track_unpublished', () => {
  lives = new Map();
  const queue = new WebhookQueue(1, 100);
  queue.push(event('A', 'track_published', 't1'));
  queue.push(event('A', 'track_published', 't2'));
  const lane = queue.lanesOf('A')[0]!;
  assert.deepEqual(dropIds(queue.drop(lane, lane.deliveries[0]!, 'rejected')), ['A-1@0:rejected']);
  assert.deepEqual(dropIds(queue.push(event('A', 'track_unpublished', 't2')).dropped), []);
  assert.deepEqual(dropIds(queue.push(event('A', 'track_unpublished', 't1')).dropped), ['A-4@0:rejected']);
  assert.deepEqual(ids(lane), ['A-2', 'A-3']);
});

test('a lane awaiting a closing is kept while empty, and forgotten when the room finishes', () => {
  lives = new Map();
  const queue = new WebhookQueue(1, 100);
  queue.push(event('A', 'participant_joined', 'p1'));
  const lane = queue.lanesOf('A')[0]!;
  queue.drop(lane, lane.deliveries[0]!, 'gave_up');
  assert.equal(queue.size, 0);
  assert.deepEqual(queue.lanesOf('A'), [lane], 'remembers that p1 left must be dropped');
  queue.push(event('A', 'room_finished'));
  queue.accepted(lane);
  assert.deepEqual(queue.lanesOf('A'), []);
});

test('takeRoom: what some URL has not had, once each, oldest first; other rooms stay', () => {
  lives = new Map();
  const queue = new WebhookQueue(2, 100);
  for (const name of ['room_started', 'participant_joined', 'track_published'] as const) queue.push(event('A', name, 'x'));
  queue.push(event('B', 'room_started'));
  const [toFirst, toSecond] = queue.lanesOf('A');
  queue.accepted(toFirst!);
  queue.accepted(toFirst!);
  queue.accepted(toSecond!);
  assert.equal(queue.size, 5);
  assert.deepEqual(queue.takeRoom('A').map((e) => e.id), ['A-2', 'A-3']);
  assert.equal(queue.size, 2);
  assert.deepEqual(queue.lanesOf('A'), []);
  assert.deepEqual(queue.takeRoom('B').map((e) => e.id), ['B-1']);
  assert.equal(queue.size, 0);
});

import assert from 'node:assert/strict';
import { afterEach, beforeEach, mock, test } from 'node:test';
import type { ParticipantId } from '@confab/protocol';
import { QUALITY_EVALUATE_MS, QualityFeed, type ConnectionQualityMessage } from './QualityFeed';

beforeEach(() => mock.timers.enable({ apis: ['setInterval'] }));
afterEach(() => mock.timers.reset());

/** A feed of one participant whose signaling is reconnecting: its first evaluation says `lost`. */
function lostFeed(id: string) {
  const sent: ConnectionQualityMessage[] = [];
  const feed = new QualityFeed(() => true, (message) => sent.push(message));
  feed.add(id as ParticipantId);
  return { feed, sent };
}

test("every room's feed is evaluated once a second by one shared timer, and a closed one no more", () => {
  const timers = mock.method(globalThis, 'setInterval');
  const a = lostFeed('PA_a');
  const b = lostFeed('PA_b');
  assert.equal(timers.mock.callCount(), 1, 'one timer for both rooms');
  mock.timers.tick(QUALITY_EVALUATE_MS - 1);
  assert.equal(a.sent.length + b.sent.length, 0, 'not before the second is up');
  mock.timers.tick(1);
  assert.deepEqual(a.sent, [{ type: 'connection_quality', updates: [{ participantId: 'PA_a', quality: 'lost' }] }]);
  assert.deepEqual(b.sent, [{ type: 'connection_quality', updates: [{ participantId: 'PA_b', quality: 'lost' }] }]);

  b.feed.close();
  const c = lostFeed('PA_c');
  mock.timers.tick(QUALITY_EVALUATE_MS);
  assert.equal(c.sent.length, 1, 'a feed made later joins the same timer');
  assert.equal(b.sent.length, 1, 'a closed feed is not evaluated');
  assert.equal(timers.mock.callCount(), 1);
  a.feed.close();
  c.feed.close();
  lostFeed('PA_d').feed.close();
  assert.equal(timers.mock.callCount(), 2, 'the timer stops with the last feed, and starts again with the next');
  timers.mock.restore();
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TrackSettingsScheduler, type SchedulerTimers, type TrackSettings } from './TrackSettingsScheduler';

/** Timers driven by the test: `advance(ms)` runs what falls due. */
class ManualTimers implements SchedulerTimers {
  now = 0;
  private nextId = 1;
  private readonly due = new Map<number, { at: number; fn: () => void }>();
  setTimeout(fn: () => void, ms: number): unknown {
    const id = this.nextId++;
    this.due.set(id, { at: this.now + ms, fn });
    return id;
  }
  clearTimeout(handle: unknown): void {
    this.due.delete(handle as number);
  }
  advance(ms: number): void {
    const until = this.now + ms;
    for (;;) {
      const next = [...this.due.entries()].sort((a, b) => a[1].at - b[1].at)[0];
      if (!next || next[1].at > until) break;
      this.due.delete(next[0]);
      this.now = next[1].at;
      next[1].fn();
    }
    this.now = until;
  }
  get pending(): number {
    return this.due.size;
  }
}

function setup(debounceMs = 200) {
  const timers = new ManualTimers();
  const sent: TrackSettings[] = [];
  const scheduler = new TrackSettingsScheduler((s) => sent.push(s), { debounceMs, timers });
  return { timers, sent, scheduler };
}

const big = { width: 1280, height: 720, visible: true };
const thumb = { width: 320, height: 180, visible: true };

test('the first report goes out at once; size changes are debounced to the latest size', () => {
  const { timers, sent, scheduler } = setup();
  const video = {};
  scheduler.update('T1', video, big);
  assert.deepEqual(sent, [{ trackId: 'T1', visible: true, width: 1280, height: 720 }]);

  // A resize drag: many sizes, one message with the last, within one debounce period.
  for (let w = 1200; w >= 320; w -= 80) {
    scheduler.update('T1', video, { width: w, height: Math.round((w * 9) / 16), visible: true });
    timers.advance(20);
  }
  scheduler.update('T1', video, thumb);
  assert.equal(sent.length, 2, 'throttled: the first change is due at most debounceMs after it happened');
  timers.advance(200);
  assert.deepEqual(sent.at(-1), { trackId: 'T1', visible: true, width: 320, height: 180 });
  assert.equal(sent.length, 3);
  assert.equal(timers.pending, 0);
});

test('a size that changes and changes back sends nothing', () => {
  const { timers, sent, scheduler } = setup();
  const video = {};
  scheduler.update('T1', video, big);
  scheduler.update('T1', video, thumb);
  scheduler.update('T1', video, big);
  timers.advance(1000);
  assert.equal(sent.length, 1);
  scheduler.update('T1', video, big);
  assert.equal(sent.length, 1, 'the same settings are never sent twice');
});

test('visibility flips go out immediately, cancelling a pending size update', () => {
  const { timers, sent, scheduler } = setup();
  const video = {};
  scheduler.update('T1', video, big);
  scheduler.update('T1', video, thumb); // pending
  scheduler.update('T1', video, { ...thumb, visible: false });
  assert.deepEqual(sent.at(-1), { trackId: 'T1', visible: false, width: 320, height: 180 });
  assert.equal(timers.pending, 0);
  scheduler.update('T1', video, thumb);
  assert.deepEqual(sent.at(-1), { trackId: 'T1', visible: true, width: 320, height: 180 });
  assert.equal(sent.length, 3);
});

test('an element of size zero (display: none) is not visible', () => {
  const { sent, scheduler } = setup();
  scheduler.update('T1', {}, { width: 0, height: 0, visible: true });
  assert.deepEqual(sent, [{ trackId: 'T1', visible: false, width: 0, height: 0 }]);
});

test('several elements: the largest visible one gives the size, any visible one makes it visible', () => {
  const { timers, sent, scheduler } = setup();
  const tile = {};
  const pip = {};
  scheduler.update('T1', tile, { ...big, visible: false }); // scrolled out of view
  assert.deepEqual(sent.at(-1), { trackId: 'T1', visible: false, width: 1280, height: 720 });
  scheduler.update('T1', pip, thumb);
  assert.deepEqual(sent.at(-1), { trackId: 'T1', visible: true, width: 320, height: 180 });
  scheduler.update('T1', tile, big); // scrolled back
  timers.advance(200);
  assert.deepEqual(sent.at(-1), { trackId: 'T1', visible: true, width: 1280, height: 720 });
  scheduler.update('T1', tile, { ...big, visible: false });
  scheduler.update('T1', pip, { ...thumb, visible: false });
  assert.deepEqual(sent.at(-1), { trackId: 'T1', visible: false, width: 1280, height: 720 });
  scheduler.remove('T1', tile);
  scheduler.update('T1', pip, thumb);
  assert.deepEqual(sent.at(-1), { trackId: 'T1', visible: true, width: 320, height: 180 });
  // Detaching the last element hides the track.
  scheduler.remove('T1', pip);
  assert.deepEqual(sent.at(-1), { trackId: 'T1', visible: false, width: 0, height: 0 });
  const count = sent.length;
  timers.advance(1000);
  assert.equal(sent.length, count);
});

test('tracks are independent', () => {
  const { timers, sent, scheduler } = setup();
  scheduler.update('A', {}, big);
  const b = {};
  scheduler.update('B', b, big);
  scheduler.update('B', b, thumb);
  timers.advance(200);
  assert.deepEqual(sent.map((s) => `${s.trackId}:${s.width}`), ['A:1280', 'B:1280', 'B:320']);
});

test('a hidden page hides every track at once and shows them again', () => {
  const { sent, scheduler } = setup();
  scheduler.update('A', {}, big);
  scheduler.update('B', {}, thumb);
  scheduler.setPageVisible(false);
  assert.deepEqual(sent.slice(-2).map((s) => [s.trackId, s.visible]), [['A', false], ['B', false]]);
  scheduler.update('A', {}, big); // a new element while the page is hidden: still hidden, nothing to send
  assert.equal(sent.length, 4);
  scheduler.setPageVisible(true);
  assert.deepEqual(sent.slice(-2).map((s) => [s.trackId, s.visible]), [['A', true], ['B', true]]);
});

test('resendAll repeats current settings for a new session; forget drops a track silently', () => {
  const { timers, sent, scheduler } = setup();
  const a = {};
  scheduler.update('A', a, big);
  scheduler.update('B', {}, thumb);
  scheduler.update('A', a, thumb); // pending
  scheduler.forget('B');
  scheduler.resendAll();
  assert.deepEqual(sent.slice(2), [{ trackId: 'A', visible: true, width: 320, height: 180 }]);
  timers.advance(1000);
  assert.equal(sent.length, 3);
  assert.equal(scheduler.current('B'), undefined);
});

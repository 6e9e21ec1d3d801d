import assert from 'node:assert/strict';
import { test } from 'node:test';
import { gridRects, meetingDuration, minus, planComposite, stripRects, type Rect, type Segment } from './compositeLayout';
import { manifestOf } from './testing/manifestOf';

const W = 1280;
const H = 720;

/** A segment in a few words: its span, the shared screen, and each tile as `name` or `name:camera file`. */
const brief = (s: Segment) => [s.startMs, s.endMs, s.screen?.file ?? null, s.tiles.map((t) => (t.camera ? `${t.name}:${t.camera.file}` : t.name))];

test('segments follow who is there, whose camera plays (not while paused), and the screen share', () => {
  const manifest = manifestOf(
    10_000,
    [['ann', 0, null], ['bob', 3000, 8000], ['cy', 0, null]],
    [
      ['ann', 'camera', 500, 10_000],
      ['ann', 'microphone', 520, 10_000],
      ['bob', 'camera', 3200, 8000],
      ['cy', 'screen', 4000, 6000],
      ['cy', 'microphone', 0, 10_000],
      ['cy', 'camera', null, null, 0], // never sent a frame: not shown
    ],
  );
  // Ann's camera paused from 2 s to 3.5 s of its file (2.5-4 s of the meeting).
  const plan = planComposite(manifest, { width: W, height: H, cameraGaps: new Map([['ann-camera-0.webm', [{ startMs: 2000, endMs: 3500 }]]]) });
  assert.equal(plan.durationMs, 10_000);
  assert.deepEqual(plan.segments.map(brief), [
    [0, 500, null, ['ann', 'cy']],
    [500, 2500, null, ['ann:ann-camera-0.webm', 'cy']],
    [2500, 3000, null, ['ann', 'cy']],
    [3000, 3200, null, ['ann', 'cy', 'bob']],
    [3200, 4000, null, ['ann', 'cy', 'bob:bob-camera-2.webm']],
    [4000, 6000, 'cy-screen-3.webm', ['ann:ann-camera-0.webm', 'cy', 'bob:bob-camera-2.webm']],
    [6000, 8000, null, ['ann:ann-camera-0.webm', 'cy', 'bob:bob-camera-2.webm']],
    [8000, 10_000, null, ['ann:ann-camera-0.webm', 'cy']],
  ]);
  const share = plan.segments[5]!;
  assert.deepEqual(share.screenRect, { x: 0, y: 0, w: W, h: 576 });
  assert.ok(share.tiles.every((t) => t.rect.y >= 576 && t.rect.y + t.rect.h <= H), 'the cameras in a strip below the screen');
  assert.deepEqual(share.screen, { file: 'cy-screen-3.webm', startMs: 4000 });
  assert.deepEqual(plan.audio, [{ file: 'ann-microphone-1.webm', startMs: 520 }, { file: 'cy-microphone-4.webm', startMs: 0 }]);
  // The segments cover the meeting exactly, end to end.
  plan.segments.forEach((s, i) => assert.equal(s.startMs, i === 0 ? 0 : plan.segments[i - 1]!.endMs));
});

test('someone publishing without a presence entry still gets a tile; of two screen shares the later is large', () => {
  const manifest = manifestOf(6000, [['ann', 0, null]], [['ann', 'screen', 0, 6000], ['zed', 'screen', 2000, 4000], ['zed', 'camera', 1000, 5000]]);
  const plan = planComposite(manifest, { width: W, height: H });
  assert.deepEqual(plan.segments.map(brief), [
    [0, 1000, 'ann-screen-0.webm', ['ann']],
    [1000, 2000, 'ann-screen-0.webm', ['ann', 'zed:zed-camera-2.webm']],
    [2000, 4000, 'zed-screen-1.webm', ['ann', 'zed:zed-camera-2.webm']],
    [4000, 5000, 'ann-screen-0.webm', ['ann', 'zed:zed-camera-2.webm']],
    [5000, 6000, 'ann-screen-0.webm', ['ann']],
  ]);
});

test('an empty room is one plain segment; a recording cut short by a crash lasts to the last thing it saw', () => {
  assert.deepEqual(planComposite(manifestOf(3000, [], []), { width: W, height: H }).segments.map(brief), [[0, 3000, null, []]]);
  assert.equal(meetingDuration(manifestOf(null, [['ann', 0, 4200]], [['ann', 'microphone', 0, 3900]])), 4200);
});

test('grids: inside the picture, no overlaps, even sizes, a short last row centred', () => {
  for (let n = 1; n <= 12; n++) {
    const rects = gridRects(n, W, H);
    assert.equal(rects.length, n);
    assertLaidOut(rects, { x: 0, y: 0, w: W, h: H }, `${n} people`);
  }
  const three = gridRects(3, W, H);
  assert.equal(three[2]!.x + three[2]!.w / 2, W / 2, 'the third of three is centred below the two');
  assert.deepEqual(gridRects(4, W, H).map((r) => [r.x, r.y]), [[2, 2], [642, 2], [2, 362], [642, 362]]);
});

test('the strip under a shared screen: 16:9 tiles, centred, narrower as more people come', () => {
  const four = stripRects(4, W, H, 576);
  assertLaidOut(four, { x: 0, y: 576, w: W, h: H - 576 }, 'four');
  assert.ok(Math.abs(four[0]!.w / four[0]!.h - 16 / 9) < 0.05);
  assert.equal((four[0]!.x + four[3]!.x + four[3]!.w) / 2, W / 2);
  const twelve = stripRects(12, W, H, 576);
  assertLaidOut(twelve, { x: 0, y: 576, w: W, h: H - 576 }, 'twelve');
  assert.ok(twelve[0]!.w < four[0]!.w);
});

test('minus: what is left of a stretch once its holes are taken out', () => {
  assert.deepEqual(minus({ startMs: 0, endMs: 10 }, [{ startMs: 6, endMs: 8 }, { startMs: 2, endMs: 3 }]), [{ startMs: 0, endMs: 2 }, { startMs: 3, endMs: 6 }, { startMs: 8, endMs: 10 }]);
  assert.deepEqual(minus({ startMs: 0, endMs: 10 }, [{ startMs: -5, endMs: 20 }]), []);
  assert.deepEqual(minus({ startMs: 0, endMs: 10 }, [{ startMs: 10, endMs: 20 }]), [{ startMs: 0, endMs: 10 }]);
});

function assertLaidOut(rects: Rect[], area: Rect, what: string): void {
  for (const r of rects) {
    assert.ok(r.x >= area.x && r.y >= area.y && r.x + r.w <= area.x + area.w && r.y + r.h <= area.y + area.h, `${what}: ${JSON.stringify(r)} inside`);
    assert.ok([r.x, r.y, r.w, r.h].every((v) => v % 2 === 0), `${what}: even`);
  }
  for (const [i, a] of rects.entries()) {
    for (const b of rects.slice(i + 1)) assert.ok(a.x + a.w <= b.x || b.x + b.w <= a.x || a.y + a.h <= b.y || b.y + b.h <= a.y, `${what}: ${JSON.stringify(a)} and ${JSON.stringify(b)} overlap`);
  }
}

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bestLayout, presentationLayout } from './layout';

test('one tile fills the box at 16:9', () => {
  const l = bestLayout(1, 1600, 900, { gap: 0 });
  assert.deepEqual(l, { cols: 1, rows: 1, tileWidth: 1600, scroll: false });
});

test('tiles are never taller than the box allows', () => {
  const l = bestLayout(1, 1600, 450, { gap: 0 });
  assert.equal(l.tileWidth, 800);
});

test('a wide box puts 2 tiles side by side, a tall one stacks them', () => {
  assert.equal(bestLayout(2, 1200, 400).cols, 2);
  assert.equal(bestLayout(2, 400, 900).cols, 1);
});

test('3 and 6 tiles use 2 and 3 columns in a wide box, 2 and 2 in a squarer one', () => {
  assert.equal(bestLayout(3, 900, 600).cols, 2);
  assert.equal(bestLayout(6, 1200, 600).cols, 3);
  assert.equal(bestLayout(6, 900, 600).cols, 2);
});

test('tiles fit in the box: cols*w + gaps <= width, rows*h + gaps <= height', () => {
  for (let n = 1; n <= 25; n++) {
    for (const [w, h] of [[1280, 620], [374, 700], [900, 500]] as const) {
      const l = bestLayout(n, w, h, { gap: 12, minTileWidth: 0 });
      assert.ok(l.cols * l.tileWidth + (l.cols - 1) * 12 <= w + 0.001, `n=${n} width`);
      assert.ok(l.rows * (l.tileWidth * 9) / 16 + (l.rows - 1) * 12 <= h + 0.001, `n=${n} height`);
      assert.ok(l.cols * l.rows >= n);
    }
  }
});

test('too many tiles for the box: keeps a readable size and scrolls', () => {
  const l = bestLayout(40, 600, 300, { gap: 10, minTileWidth: 150 });
  assert.equal(l.scroll, true);
  assert.ok(l.tileWidth >= 150);
  assert.equal(l.cols, 3);
});

test('presentation, landscape: the screen is large and cameras form a strip to its right', () => {
  const p = presentationLayout(1, 3, 1200, 600, { gap: 12 });
  const screen = p.screens[0]!;
  assert.equal(p.cameras.length, 3);
  for (const cam of p.cameras) {
    assert.ok(cam.x >= screen.x + screen.width, 'camera right of the screen');
    assert.ok(cam.width < screen.width);
  }
  assert.ok(screen.width > 800);
  assert.ok(screen.height <= 600);
});

test('presentation, portrait: screen on top, cameras below', () => {
  const p = presentationLayout(1, 4, 380, 700, { gap: 8 });
  const screen = p.screens[0]!;
  assert.equal(screen.width, 380);
  for (const cam of p.cameras) assert.ok(cam.y >= screen.y + screen.height);
});

/** Grid layout maths: how many columns make 16:9 tiles as large as possible in a box. Pure. */

export interface GridLayout {
  cols: number;
  rows: number;
  /** Tile width in CSS pixels (height is width * 9/16). */
  tileWidth: number;
  /** True when tiles would be too small to fit, so the grid scrolls instead. */
  scroll: boolean;
}

export interface LayoutOptions {
  gap?: number;
  aspect?: number;
  /** Below this tile width the grid stops shrinking and scrolls vertically. */
  minTileWidth?: number;
}

export function bestLayout(count: number, width: number, height: number, options: LayoutOptions = {}): GridLayout {
  const gap = options.gap ?? 12;
  const aspect = options.aspect ?? 16 / 9;
  const minTileWidth = options.minTileWidth ?? 150;
  const n = Math.max(1, count);
  const w = Math.max(0, width);
  const h = Math.max(0, height);
  let best: GridLayout = { cols: 1, rows: n, tileWidth: 0, scroll: false };
  for (let cols = 1; cols <= n; cols++) {
    const rows = Math.ceil(n / cols);
    const byWidth = (w - gap * (cols - 1)) / cols;
    const byHeight = ((h - gap * (rows - 1)) / rows) * aspect;
    const tileWidth = Math.floor(Math.min(byWidth, byHeight));
    if (tileWidth > best.tileWidth) best = { cols, rows, tileWidth, scroll: false };
  }
  if (best.tileWidth >= minTileWidth || w <= 0) return best;
  // Too many tiles for the box: keep tiles readable and let the grid scroll.
  const cols = Math.max(1, Math.min(n, Math.floor((w + gap) / (minTileWidth + gap))));
  const tileWidth = Math.max(0, Math.floor((w - gap * (cols - 1)) / cols));
  return { cols, rows: Math.ceil(n / cols), tileWidth, scroll: true };
}

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface PresentationLayout {
  screens: Rect[];
  cameras: Rect[];
}

/**
 * While someone shares a screen: the screen(s) large, cameras in a strip beside them (landscape)
 * or in a small grid below (portrait). Rects are relative to the box; the strip may be taller
 * than the box, in which case the box scrolls.
 */
export function presentationLayout(screens: number, cameras: number, width: number, height: number, options: LayoutOptions = {}): PresentationLayout {
  const gap = options.gap ?? 12;
  const aspect = options.aspect ?? 16 / 9;
  const s = Math.max(1, screens);
  const c = Math.max(0, cameras);
  const W = Math.max(0, width);
  const H = Math.max(0, height);
  const result: PresentationLayout = { screens: [], cameras: [] };

  if (W >= H * 1.1) {
    let stripW = c === 0 ? 0 : Math.min(320, Math.max(160, W * 0.2));
    if (c > 0) {
      const fitHeight = (H - gap * (c - 1)) / c;
      stripW = Math.min(stripW, Math.max(120, fitHeight * aspect));
    }
    const camH = stripW / aspect;
    const stripH = c * camH + Math.max(0, c - 1) * gap;
    const stripY = stripH < H ? (H - stripH) / 2 : 0;
    const mainW = c === 0 ? W : W - stripW - gap;
    const slotH = (H - gap * (s - 1)) / s;
    const screenW = Math.max(0, Math.min(mainW, slotH * aspect));
    const screenH = screenW / aspect;
    const screensH = s * screenH + (s - 1) * gap;
    const screensY = Math.max(0, (H - screensH) / 2);
    for (let i = 0; i < s; i++) {
      result.screens.push({ x: (mainW - screenW) / 2, y: screensY + i * (screenH + gap), width: screenW, height: screenH });
    }
    for (let i = 0; i < c; i++) {
      result.cameras.push({ x: mainW + gap, y: stripY + i * (camH + gap), width: stripW, height: camH });
    }
    return round(result);
  }

  // Portrait: screens stacked at full width, cameras in a grid underneath.
  const screenH = W / aspect;
  for (let i = 0; i < s; i++) result.screens.push({ x: 0, y: i * (screenH + gap), width: W, height: screenH });
  const top = s * (screenH + gap);
  if (c > 0) {
    const grid = bestLayout(c, W, Math.max(0, H - top), { gap, aspect, minTileWidth: options.minTileWidth ?? 120 });
    const tileH = grid.tileWidth / aspect;
    for (let i = 0; i < c; i++) {
      const row = Math.floor(i / grid.cols);
      const inRow = Math.min(grid.cols, c - row * grid.cols);
      const rowW = inRow * grid.tileWidth + (inRow - 1) * gap;
      const col = i - row * grid.cols;
      result.cameras.push({ x: (W - rowW) / 2 + col * (grid.tileWidth + gap), y: top + row * (tileH + gap), width: grid.tileWidth, height: tileH });
    }
  }
  return round(result);
}

function round(layout: PresentationLayout): PresentationLayout {
  const r = (rect: Rect): Rect => ({ x: Math.round(rect.x), y: Math.round(rect.y), width: Math.floor(rect.width), height: Math.floor(rect.height) });
  return { screens: layout.screens.map(r), cameras: layout.cameras.map(r) };
}

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

/**
 * The stage. Normally a CSS grid of 16:9 tiles sized to fill the box; while someone shares a
 * screen, a presentation layout (screen large, cameras in a strip); in speaker view, the same
 * with the featured speaker's camera large. Re-lays itself out when tiles come and go, the
 * featured speaker changes or the box changes size.
 */
import { h } from './dom';
import { bestLayout, presentationLayout, type Rect } from './layout';

const GAP = 12;

export class Grid {
  readonly el: HTMLElement;
  private readonly observer: ResizeObserver;
  private frame = 0;
  private speakerView = false;
  private featured: HTMLElement | null = null;
  /**
   * The box's size as the observer last reported it, null until it has. Reading clientWidth in
   * layout() forced a synchronous layout of the whole page on every tile added while joining.
   */
  private size: { width: number; height: number } | null = null;

  constructor() {
    this.el = h('div', { class: 'grid', role: 'list', 'aria-label': 'Participants’ video' });
    this.observer = new ResizeObserver((entries) => {
      const box = entries[entries.length - 1]!.contentRect;
      this.size = { width: box.width, height: box.height };
      this.schedule();
    });
    this.observer.observe(this.el);
  }

  add(tile: HTMLElement): void {
    tile.setAttribute('role', 'listitem');
    this.el.appendChild(tile);
    this.schedule();
  }

  remove(tile: HTMLElement): void {
    tile.remove();
    this.schedule();
  }

  /** Speaker view: the featured tile large, the other cameras in a strip. */
  setSpeakerView(on: boolean): void {
    if (on === this.speakerView) return;
    this.speakerView = on;
    this.el.classList.toggle('speaker-view', on);
    this.schedule();
  }

  /** The camera tile speaker view shows large (the dominant speaker's), or null. */
  setFeatured(tile: HTMLElement | null): void {
    if (tile === this.featured) return;
    this.featured?.classList.remove('featured');
    this.featured = tile;
    tile?.classList.add('featured');
    if (this.speakerView) this.schedule();
  }

  destroy(): void {
    this.observer.disconnect();
    cancelAnimationFrame(this.frame);
  }

  private schedule(): void {
    cancelAnimationFrame(this.frame);
    this.frame = requestAnimationFrame(() => this.layout());
  }

  private layout(): void {
    if (!this.size) return; // the observer's first report (on insertion) lays it out
    const { width, height } = this.size;
    const tiles = [...this.el.children] as HTMLElement[];
    const screens = tiles.filter((t) => t.dataset.source === 'screen');
    const cameras = tiles.filter((t) => t.dataset.source !== 'screen');
    this.el.dataset.count = String(tiles.length);
    const featured = this.featured !== null && cameras.includes(this.featured) ? this.featured : null;
    if (screens.length > 0 && cameras.length > 0 && width >= 360) {
      this.present(screens, cameras, width, height);
    } else if (this.speakerView && featured !== null && cameras.length > 1 && width >= 360) {
      this.present([featured], cameras.filter((t) => t !== featured), width, height);
    } else {
      this.gallery(tiles, width, height);
    }
  }

  private present(screens: HTMLElement[], cameras: HTMLElement[], width: number, height: number): void {
    const layout = presentationLayout(screens.length, cameras.length, width, height, { gap: GAP });
    this.el.classList.add('presenting');
    this.el.classList.remove('scrolling');
    const place = (tile: HTMLElement, rect: Rect | undefined): void => {
      if (!rect) return;
      tile.style.gridColumn = '';
      tile.style.left = `${rect.x}px`;
      tile.style.top = `${rect.y}px`;
      tile.style.width = `${rect.width}px`;
    };
    screens.forEach((tile, i) => place(tile, layout.screens[i]));
    cameras.forEach((tile, i) => place(tile, layout.cameras[i]));
  }

  private gallery(tiles: HTMLElement[], width: number, height: number): void {
    const layout = bestLayout(tiles.length, width, height, { gap: GAP, minTileWidth: width < 520 ? 140 : 180 });
    this.el.classList.remove('presenting');
    this.el.style.setProperty('--tracks', String(layout.cols * 2));
    this.el.style.setProperty('--track-w', `${Math.max(0, (layout.tileWidth - GAP) / 2)}px`);
    this.el.style.setProperty('--tile-w', `${layout.tileWidth}px`);
    this.el.style.setProperty('--gap', `${GAP}px`);
    this.el.classList.toggle('scrolling', layout.scroll);
    for (const tile of tiles) {
      tile.style.left = '';
      tile.style.top = '';
      tile.style.width = '';
    }
    centerLastRow(tiles, layout.cols);
  }
}

/**
 * The gallery has two tracks per column and every tile spans two, so an incomplete last row can
 * be centred by starting its first tile half a column further right per missing tile.
 */
function centerLastRow(tiles: HTMLElement[], cols: number): void {
  const inLastRow = tiles.length % cols;
  const first = inLastRow === 0 ? undefined : tiles[tiles.length - inLastRow];
  for (const tile of tiles) {
    tile.style.gridColumn = tile === first ? `${cols - inLastRow + 1} / span 2` : 'span 2';
  }
}

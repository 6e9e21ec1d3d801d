/** The stage: a CSS grid of 16:9 tiles that re-lays itself out when tiles or the box change. */
import { h } from './dom';
import { bestLayout } from './layout';

const GAP = 12;

export class Grid {
  readonly el: HTMLElement;
  private readonly observer: ResizeObserver;
  private frame = 0;

  constructor() {
    this.el = h('div', { class: 'grid', role: 'list', 'aria-label': 'Participants’ video' });
    this.observer = new ResizeObserver(() => this.schedule());
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

  destroy(): void {
    this.observer.disconnect();
    cancelAnimationFrame(this.frame);
  }

  private schedule(): void {
    cancelAnimationFrame(this.frame);
    this.frame = requestAnimationFrame(() => this.layout());
  }

  private layout(): void {
    const style = getComputedStyle(this.el);
    const width = this.el.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
    const height = this.el.clientHeight - parseFloat(style.paddingTop) - parseFloat(style.paddingBottom);
    const count = this.el.children.length;
    const narrow = width < 520;
    const layout = bestLayout(count, width, height, { gap: GAP, minTileWidth: narrow ? 140 : 180 });
    this.el.style.setProperty('--cols', String(layout.cols));
    this.el.style.setProperty('--tile-w', `${layout.tileWidth}px`);
    this.el.style.setProperty('--gap', `${GAP}px`);
    this.el.dataset.count = String(count);
    this.el.classList.toggle('scrolling', layout.scroll);
  }
}

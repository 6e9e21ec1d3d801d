import type { ElementView } from './TrackSettingsScheduler';

/**
 * The DOM half of adaptive stream: watches elements with ResizeObserver (size, and zero for
 * display: none), IntersectionObserver (in the viewport or not) and the page's visibilitychange,
 * and reports each element's view. An element is reported once both observers have spoken, so a
 * first size does not arrive as "hidden" before its intersection is known.
 */
export class ElementVisibility {
  private readonly resize: ResizeObserver;
  private readonly intersection: IntersectionObserver;
  private readonly states = new Map<Element, { width?: number; height?: number; inViewport?: boolean }>();
  private readonly onVisibilityChange = (): void => this.onPageVisible(document.visibilityState !== 'hidden');

  /** Whether this environment has what it takes (a browser page). */
  static supported(): boolean {
    return typeof ResizeObserver === 'function' && typeof IntersectionObserver === 'function' && typeof document === 'object';
  }

  constructor(
    private readonly onView: (element: Element, view: ElementView) => void,
    private readonly onPageVisible: (visible: boolean) => void,
  ) {
    this.resize = new ResizeObserver((entries) => {
      const ratio = globalThis.devicePixelRatio || 1;
      for (const entry of entries) {
        const state = this.states.get(entry.target);
        if (!state) continue;
        state.width = entry.contentRect.width * ratio;
        state.height = entry.contentRect.height * ratio;
        this.report(entry.target);
      }
    });
    this.intersection = new IntersectionObserver((entries) => {
      for (const entry of entries) {
        const state = this.states.get(entry.target);
        if (!state) continue;
        state.inViewport = entry.isIntersecting;
        this.report(entry.target);
      }
    });
    document.addEventListener('visibilitychange', this.onVisibilityChange);
    if (document.visibilityState === 'hidden') onPageVisible(false);
  }

  observe(element: Element): void {
    if (this.states.has(element)) return;
    this.states.set(element, {});
    this.resize.observe(element);
    this.intersection.observe(element);
  }

  unobserve(element: Element): void {
    if (!this.states.delete(element)) return;
    this.resize.unobserve(element);
    this.intersection.unobserve(element);
  }

  dispose(): void {
    this.resize.disconnect();
    this.intersection.disconnect();
    this.states.clear();
    document.removeEventListener('visibilitychange', this.onVisibilityChange);
  }

  private report(element: Element): void {
    const state = this.states.get(element);
    if (!state || state.width === undefined || state.height === undefined || state.inViewport === undefined) return;
    this.onView(element, { width: state.width, height: state.height, visible: state.inViewport });
  }
}

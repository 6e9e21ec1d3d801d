/** `document.body.dataset.state`: what end-to-end tests (and CSS) key on. */
export type AppState = 'lobby' | 'prejoin' | 'joining' | 'waiting' | 'in-room' | 'removed' | 'error';

export function setAppState(state: AppState): void {
  document.body.dataset.state = state;
}

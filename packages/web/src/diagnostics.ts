/** Diagnostic switches read from the page URL. */

/** `?relay=1`: both peer connections use only TURN relay candidates (checks that TURN works). */
export function forceRelayRequested(search: string): boolean {
  return new URLSearchParams(search).get('relay') === '1';
}

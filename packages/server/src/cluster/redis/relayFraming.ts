import type { RelayItem } from './relayMessages';

/**
 * A frame carries at most this many items (relayFrame accepts 10,000), and stops taking more once
 * it passes this many bytes. A burst in a big room (hundreds of sessions detached at once, each
 * told to everyone) would otherwise leave as one frame of tens of thousands of items: refused
 * whole by the receiver, and in one piece over Redis's 32 MB pub/sub output limit.
 */
export const FRAME_MAX_ITEMS = 1_000;
export const FRAME_MAX_BYTES = 1_000_000;

/** The relay frames (wire JSON) that carry `items` from `from`, in order; `items` says how many each holds. */
export function relayFrames(from: string, items: readonly RelayItem[]): { payload: string; items: number }[] {
  const head = `{"from":${JSON.stringify(from)},"items":[`;
  const frames: { payload: string; items: number }[] = [];
  let parts: string[] = [];
  let bytes = 0;
  const cut = () => {
    frames.push({ payload: `${head}${parts.join(',')}]}`, items: parts.length });
    parts = [];
    bytes = 0;
  };
  for (const item of items) {
    const json = JSON.stringify(item);
    if (parts.length > 0 && (parts.length >= FRAME_MAX_ITEMS || bytes + json.length > FRAME_MAX_BYTES)) cut();
    parts.push(json);
    bytes += json.length + 1;
  }
  if (parts.length > 0) cut();
  return frames;
}

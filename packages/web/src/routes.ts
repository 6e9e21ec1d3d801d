/** URL shapes: `/` is the lobby, `/r/<room>` a room. */

/** `/r/<room>` → the decoded room name; undefined for any other path. */
export function roomFromPath(pathname: string): string | undefined {
  const match = /^\/r\/([^/]*)\/?$/.exec(pathname);
  if (!match) return undefined;
  const raw = match[1] as string;
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}

export function roomPath(room: string): string {
  return `/r/${encodeURIComponent(room)}`;
}

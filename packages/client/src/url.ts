import { ConfabError } from './errors';

/** The signaling endpoint's path (docs/protocol.md). */
export const SIGNAL_PATH = '/rtc';

/**
 * Turns what the app was given into the WebSocket URL: `ws(s)://host/rtc` is used as it is;
 * `http(s)://host[/base]` becomes `ws(s)://host[/base]/rtc`. Anything else is an invalid_argument.
 */
export function toSignalUrl(input: string): string {
  let url: URL;
  try {
    url = new URL(input);
  } catch {
    throw ConfabError.invalid(`not an absolute URL: "${input}"`);
  }
  switch (url.protocol) {
    case 'ws:':
    case 'wss:':
      return url.toString();
    case 'http:':
    case 'https:': {
      url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
      const path = url.pathname.replace(/\/+$/, '');
      if (!path.endsWith(SIGNAL_PATH)) url.pathname = `${path}${SIGNAL_PATH}`;
      url.hash = '';
      return url.toString();
    }
    default:
      throw ConfabError.invalid(`unsupported URL scheme "${url.protocol}" (use ws:, wss:, http: or https:)`);
  }
}

import type { AllowedOrigins } from './config';

const LOCAL_HOSTNAMES = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * Which browser pages may open a signaling WebSocket (CONFAB_ALLOWED_ORIGINS). Browsers always send
 * `Origin` on a WebSocket upgrade and a page cannot forge it, so this stops other sites from driving
 * a visitor's browser into our rooms. Without an `Origin` the client is not a browser (it could send
 * any Origin it liked), so there is nothing to check. The server's own web app (Origin equal to the
 * Host it asked for) is always allowed.
 */
export function createOriginPolicy(allowed: AllowedOrigins): (origin: string | undefined, host: string | undefined) => boolean {
  const listed = new Set(Array.isArray(allowed) ? allowed : []);
  return (origin, host) => {
    if (origin === undefined || allowed === '*') return true;
    const url = URL.canParse(origin) ? new URL(origin) : undefined;
    if (!url || url.origin === 'null') return false;
    if (host !== undefined && url.host === host.toLowerCase()) return true;
    if (allowed === 'localhost') return LOCAL_HOSTNAMES.has(url.hostname);
    return listed.has(url.origin);
  };
}

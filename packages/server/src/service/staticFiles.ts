import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, normalize, sep } from 'node:path';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json; charset=utf-8',
  '.webmanifest': 'application/manifest+json',
  // Markdown as readable text: browsers would offer text/markdown as a download.
  '.md': 'text/plain; charset=utf-8',
};

/** Pretty paths for files the web app links to. */
const ALIASES: Record<string, string> = {
  '/docs/deploy': 'docs/deploy.md',
};

/**
 * Serves the built web app; `/` and `/r/<room>` get index.html (the app routes itself), and
 * `/docs/deploy` the deployment guide copied in by the web build.
 */
export function createStaticHandler(root: string) {
  const rootWithSep = root.endsWith(sep) ? root : root + sep;
  return async function serveStatic(req: IncomingMessage, res: ServerResponse, pathname: string): Promise<boolean> {
    if (req.method !== 'GET' && req.method !== 'HEAD') return false;
    const isAppRoute = pathname === '/' || /^\/r\/[^/]*\/?$/.test(pathname);
    const relative = isAppRoute ? 'index.html' : (ALIASES[pathname] ?? decodeSafe(pathname.slice(1)));
    if (relative === undefined) return false;
    const file = normalize(join(root, relative));
    if (!file.startsWith(rootWithSep)) return false;
    const info = await stat(file).catch(() => undefined);
    if (!info?.isFile()) return false;
    res.writeHead(200, {
      'content-type': CONTENT_TYPES[extname(file)] ?? 'application/octet-stream',
      'content-length': info.size,
      // index.html must be fresh so new builds are picked up; assets are small, revalidate too.
      'cache-control': 'no-cache',
      'x-content-type-options': 'nosniff',
    });
    if (req.method === 'HEAD') {
      res.end();
      return true;
    }
    createReadStream(file).pipe(res);
    return true;
  };
}

function decodeSafe(path: string): string | undefined {
  try {
    const decoded = decodeURIComponent(path);
    return decoded.includes('\0') ? undefined : decoded;
  } catch {
    return undefined;
  }
}

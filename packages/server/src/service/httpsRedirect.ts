import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { join } from 'node:path';

const ACME_PREFIX = '/.well-known/acme-challenge/';
/** ACME tokens are base64url (RFC 8555 §8.3): nothing else can name a file. */
const ACME_TOKEN = /^[A-Za-z0-9_-]{1,256}$/;

/**
 * CONFAB_HTTP_REDIRECT_PORT: plain HTTP that sends every request to the same host, path and query
 * over HTTPS on `httpsPort` (308, so a POST stays a POST). `/healthz` answers here directly, so a
 * load balancer or uptime check may probe either port. With `acmeWebroot` (CONFAB_ACME_WEBROOT),
 * ACME HTTP-01 challenges are answered from `<acmeWebroot>/.well-known/acme-challenge/<token>`,
 * where `certbot --webroot -w <acmeWebroot>` writes them, so renewals work while we hold port 80.
 */
export function createHttpsRedirectServer(httpsPort: number, health: () => { status: number; body: string }, acmeWebroot?: string): Server {
  return createServer((req, res) => {
    const { pathname } = new URL(req.url ?? '/', 'http://localhost');
    if (acmeWebroot !== undefined && pathname.startsWith(ACME_PREFIX)) {
      void answerAcmeChallenge(res, acmeWebroot, pathname.slice(ACME_PREFIX.length));
      return;
    }
    if (pathname === '/healthz') {
      const { status, body } = health();
      res.writeHead(status, { 'content-type': 'text/plain' }).end(body);
      return;
    }
    const location = httpsLocation(req, httpsPort);
    if (location === undefined) return plain(res, 400, 'a Host header is needed to redirect to https\n');
    res.writeHead(308, { location, 'content-type': 'text/plain', connection: 'close' }).end(`moved to ${location}\n`);
  });
}

/** `https://<Host without its port>[:httpsPort]<path and query>`; undefined if Host is missing or not a host. */
export function httpsLocation(req: Pick<IncomingMessage, 'headers' | 'url'>, httpsPort: number): string | undefined {
  const host = req.headers.host;
  if (!host) return undefined;
  let url: URL;
  try {
    url = new URL(`http://${host}`);
  } catch {
    return undefined;
  }
  // A Host like "a.example/evil" or "user@a.example" parses, but is not just a host: refuse it.
  if (url.pathname !== '/' || url.username || url.password || url.search || url.hash) return undefined;
  const target = new URL(`https://${url.hostname}`);
  target.port = httpsPort === 443 ? '' : String(httpsPort);
  const path = req.url?.startsWith('/') ? req.url : '/';
  return `${target.origin}${path}`;
}

async function answerAcmeChallenge(res: ServerResponse, webroot: string, token: string): Promise<void> {
  if (!ACME_TOKEN.test(token)) return plain(res, 404, 'not found\n');
  try {
    const body = await readFile(join(webroot, ACME_PREFIX, token));
    res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(body);
  } catch {
    plain(res, 404, 'not found\n');
  }
}

function plain(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { 'content-type': 'text/plain' }).end(body);
}

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Counter } from 'prom-client';
import { ADMIN_API_PREFIX, ErrorCode, ProtocolError, type AccessClaims } from '@confab/protocol';
import type { ApiKeys } from '../access/apiKeys';
import type { RoomAdministration } from '../cluster/RoomAdministration';
import { toProtocolError } from '../service/errors';
import type { Logger } from '../service/logger';
import type { AdminRoute } from './AdminRoute';
import { FileReply } from './FileReply';
import { ADMIN_API_RATE_LIMIT, ApiKeyRateLimiter, type RateLimit } from './ApiKeyRateLimiter';
import { authenticate } from './authenticate';
import { authorize } from './authorize';
import { matchRoute, type MatchedRoute } from './matchRoute';
import { parseInput } from './parseInput';
import { readJsonBody } from './readJsonBody';
import { sendEmpty, sendError, sendJson } from './respond';
import { ADMIN_ROUTES } from './routes';

export interface AdminApiOptions {
  /** Where calls go: the router's, which reaches every room of the cluster. */
  administration: RoomAdministration;
  /** config.apiKeys. None (open mode) means no token can be checked: every call but openapi.json is refused. */
  apiKeys: ApiKeys | undefined;
  logger: Logger;
  /** confab_admin_api_requests_total (metrics.ts). */
  metrics?: { adminApiRequests: Counter<'route' | 'method' | 'status'> };
  rateLimit?: RateLimit;
}

/** Answers a request if its path is under /api/v1 (true), or leaves it to the next handler (false). */
export type AdminApiHandler = (req: IncomingMessage, res: ServerResponse, pathname: string) => Promise<boolean>;

/** Unmatched paths share one label, so a scan of random URLs cannot grow the metric without bound. */
const UNMATCHED = 'unmatched';

/**
 * The admin HTTP API (docs/api.md): route, then token and grants, rate limit, query and body,
 * then the call to `administration`. Every failure is `{error: {code, message}}` with the code's status.
 */
export function createAdminApi(options: AdminApiOptions): AdminApiHandler {
  const { administration, apiKeys, logger, metrics } = options;
  const limiter = new ApiKeyRateLimiter(options.rateLimit ?? ADMIN_API_RATE_LIMIT);

  async function admit(route: AdminRoute, room: string | undefined, req: IncomingMessage): Promise<AccessClaims | undefined> {
    if (route.access === 'public') return undefined;
    if (apiKeys === undefined) throw ProtocolError.denied('the admin API needs API keys: set CONFAB_API_KEYS');
    const claims = await authenticate(req.headers.authorization, apiKeys);
    limiter.take(claims.iss);
    authorize(claims.grants, route.access, room);
    return claims;
  }

  /** The answer's body, if it has one. */
  async function serve({ route, params }: MatchedRoute, req: IncomingMessage): Promise<object | void> {
    const claims = await admit(route, params.room, req);
    const query = route.query ? parseInput(route.query, Object.fromEntries(new URL(req.url ?? '/', 'http://localhost').searchParams), 'query') : undefined;
    const body = route.body ? parseInput(route.body, await readJsonBody(req), 'body') : undefined;
    const reply = await route.handle({ administration, params, query, body });
    // An audit trail of changes: who (API key and token subject) did what to which room.
    if (route.method !== 'GET') logger.info({ call: route.operationId, ...params, apiKey: claims?.iss, subject: claims?.sub }, 'admin api call');
    return reply;
  }

  return async function adminApi(req, res, pathname) {
    if (pathname !== ADMIN_API_PREFIX && !pathname.startsWith(`${ADMIN_API_PREFIX}/`)) return false;
    const method = req.method ?? 'GET';
    let routeLabel = UNMATCHED;
    let status: number;
    try {
      const matched = matchRoute(ADMIN_ROUTES, method, pathname.slice(ADMIN_API_PREFIX.length));
      routeLabel = ADMIN_API_PREFIX + matched.route.path;
      const body = await serve(matched, req);
      status = matched.route.status;
      if (body instanceof FileReply) status = await body.send(req, res);
      else if (body === undefined) sendEmpty(res, status);
      else sendJson(res, status, body);
    } catch (error) {
      const wire = toProtocolError(error);
      if (wire.code === ErrorCode.Internal) logger.error({ err: error, method, route: routeLabel }, 'admin api call failed');
      status = sendError(res, wire);
    }
    metrics?.adminApiRequests.inc({ route: routeLabel, method, status: String(status) });
    return true;
  };
}

import type { ServerResponse } from 'node:http';
import { ErrorCode, type AdminErrorBody, type ProtocolError } from '@confab/protocol';
import { AdminHttpError } from './AdminHttpError';

/** The HTTP status of each error code; the table is total, so a new code cannot be forgotten here. */
const STATUS_OF_CODE: Readonly<Record<ErrorCode, number>> = {
  [ErrorCode.InvalidArgument]: 400,
  // As Google's API design guide maps it: the request cannot be served in the current state.
  [ErrorCode.FailedPrecondition]: 400,
  [ErrorCode.Unauthenticated]: 401,
  [ErrorCode.PermissionDenied]: 403,
  [ErrorCode.NotFound]: 404,
  [ErrorCode.Conflict]: 409,
  [ErrorCode.ResourceExhausted]: 429,
  [ErrorCode.RateLimited]: 429,
  [ErrorCode.Internal]: 500,
  [ErrorCode.Unavailable]: 503,
};

/** Answers are never cached (they are live state) and never sniffed as anything but JSON. */
const COMMON_HEADERS = { 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' };

function statusOf(error: ProtocolError): number {
  return error instanceof AdminHttpError ? error.status : STATUS_OF_CODE[error.code];
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Readonly<Record<string, string>> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { ...COMMON_HEADERS, ...headers, 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) }).end(text);
}

export function sendEmpty(res: ServerResponse, status: number): void {
  res.writeHead(status, COMMON_HEADERS).end();
}

/** `{error: {code, message}}` with the code's status; a 401 says which scheme it wants (RFC 6750). */
export function sendError(res: ServerResponse, error: ProtocolError): number {
  const status = statusOf(error);
  const headers = { ...(error instanceof AdminHttpError ? error.headers : {}), ...(status === 401 ? { 'www-authenticate': 'Bearer realm="confab"' } : {}) };
  const body: AdminErrorBody = { error: { code: error.code, message: error.message } };
  sendJson(res, status, body, headers);
  return status;
}

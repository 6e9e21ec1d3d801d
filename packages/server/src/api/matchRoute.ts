import * as z from 'zod';
import { ADMIN_API_PREFIX, AdminIdentity, ProtocolError, RecordingId, RoomName } from '@confab/protocol';
import { AdminHttpError } from './AdminHttpError';
import type { AdminRoute } from './AdminRoute';
import { parseInput } from './parseInput';

/** What each `{name}` in a route's path must hold, once percent-decoded. */
const PATH_PARAMS: Readonly<Record<string, z.ZodType>> = {
  room: RoomName,
  identity: AdminIdentity,
  recording: RecordingId,
  /** A recorded file's bare name: the manifest decides whether it is one. */
  file: z.string().regex(/^[A-Za-z0-9_-][A-Za-z0-9_.-]{0,199}$/, 'file must be a bare file name'),
};

export interface MatchedRoute {
  route: AdminRoute;
  params: Record<string, string>;
}

/**
 * The route for `method` on `path` (what follows /api/v1), its parameters decoded and checked.
 * No route with that shape of path is not_found (404); one with another method is 405 with Allow.
 */
export function matchRoute(routes: readonly AdminRoute[], method: string, path: string): MatchedRoute {
  // Split before decoding: an identity may hold an encoded "/".
  const segments = path.split('/');
  const sameShape = routes.filter((route) => fits(route.path.split('/'), segments));
  if (sameShape.length === 0) throw ProtocolError.notFound(`there is no ${quote(ADMIN_API_PREFIX + path)} in the admin API (see ${ADMIN_API_PREFIX}/openapi.json)`);
  const route = sameShape.find((r) => r.method === method);
  if (!route) throw AdminHttpError.methodNotAllowed(method, ADMIN_API_PREFIX + sameShape[0]!.path, sameShape.map((r) => r.method));
  return { route, params: paramsOf(route.path.split('/'), segments) };
}

function fits(template: readonly string[], segments: readonly string[]): boolean {
  return template.length === segments.length && template.every((part, i) => (isParam(part) ? segments[i] !== '' : part === segments[i]));
}

function paramsOf(template: readonly string[], segments: readonly string[]): Record<string, string> {
  const params: Record<string, string> = {};
  template.forEach((part, i) => {
    if (!isParam(part)) return;
    const name = part.slice(1, -1);
    const schema = PATH_PARAMS[name];
    if (!schema) throw new Error(`admin route parameter {${name}} has no schema in PATH_PARAMS`);
    params[name] = parseInput(schema, decode(segments[i]!, name), name) as string;
  });
  return params;
}

function isParam(part: string): boolean {
  return part.startsWith('{') && part.endsWith('}');
}

function decode(segment: string, name: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw ProtocolError.invalid(`${name}: not valid percent-encoding`);
  }
}

/** Untrusted text in a message: bounded and escaped. */
function quote(value: string): string {
  return JSON.stringify(value.slice(0, 128));
}

import type * as z from 'zod';
import type { RoomAdministration } from '../cluster/RoomAdministration';

export type HttpMethod = 'GET' | 'POST' | 'PATCH' | 'DELETE';

/**
 * The grants that open the admin API. roomList, roomCreate and roomRecord count for every room; roomAdmin only
 * for the route's {room}, the token's `grants.room` (or every room when the token names none).
 */
export type AdminGrant = 'roomList' | 'roomCreate' | 'roomAdmin' | 'roomRecord';

/** The names in braces: `'room' | 'identity'` for '/rooms/{room}/participants/{identity}'. */
export type ParamsOf<P extends string> = P extends `${string}{${infer Name}}${infer Rest}` ? Name | ParamsOf<Rest> : never;

type Parsed<S> = S extends z.ZodType ? z.output<S> : undefined;

export interface RouteInput<P extends string, Q, B> {
  administration: RoomAdministration;
  /** Decoded and checked (PATH_PARAMS in matchRoute.ts). */
  params: Record<ParamsOf<P>, string>;
  query: Q;
  body: B;
}

/** The status of a call that went through. */
export type SuccessStatus = 200 | 201 | 202 | 204;

export interface RouteSpec<P extends string, Q extends z.ZodType | undefined, B extends z.ZodType | undefined> {
  method: HttpMethod;
  /** The template under /api/v1: the OpenAPI path, and the metric's `route` label. */
  path: P;
  /** The OpenAPI operationId: AdminClient's method of the same name, where there is one. */
  operationId: string;
  /** Any one of these grants lets the call through; 'public' needs no token at all. */
  access: readonly AdminGrant[] | 'public';
  /** What a call that went through answers; 202 and 204 with no body. */
  status: SuccessStatus;
  /** Checked against the query string (strict: a misspelt parameter is refused, not ignored). */
  query?: Q;
  /** Checked against the JSON body; a route without one reads no body. */
  body?: B;
  /** The answer's JSON body (nothing for 202 and 204). */
  handle(input: RouteInput<P, Parsed<Q>, Parsed<B>>): Promise<object | void>;
}

/** A route as the table holds it, its types erased. */
export interface AdminRoute {
  readonly method: HttpMethod;
  readonly path: string;
  readonly operationId: string;
  readonly access: readonly AdminGrant[] | 'public';
  readonly status: SuccessStatus;
  readonly query?: z.ZodType | undefined;
  readonly body?: z.ZodType | undefined;
  handle(input: RouteInput<string, unknown, unknown>): Promise<object | void>;
}

/** Types `handle`'s input from the route's own path and schemas. */
export function defineRoute<P extends string, Q extends z.ZodType | undefined = undefined, B extends z.ZodType | undefined = undefined>(
  spec: RouteSpec<P, Q, B>,
): AdminRoute {
  // Sound as createAdminApi uses it: params hold every name in `path`, and query and body reach
  // `handle` only as `spec.query` and `spec.body` parsed them.
  return spec as unknown as AdminRoute;
}

import type * as z from 'zod';
import { ProtocolError } from '@confab/protocol';

/**
 * `value` checked against `schema`. A mismatch is invalid_argument naming the field, from `where`
 * (body, query, or a path parameter) down: "body.permissions.canPublish: expected boolean…".
 */
export function parseInput<S extends z.ZodType>(schema: S, value: unknown, where: string): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const field = [where, ...issue.path.map(String)].join('.');
  throw ProtocolError.invalid(`${field}: ${issue.message}`);
}

import type * as z from 'zod';
import { ErrorCode, ProtocolError } from './errors';
import { MAX_MESSAGE_BYTES, MAX_SERVER_MESSAGE_BYTES } from './limits';
import { ClientMessage, ServerMessage } from './messages';

export type Decoded<T> = { ok: true; message: T; seq?: number } | { ok: false; error: ProtocolError; id?: number };

/**
 * Parse and validate one frame. Never throws: bad input becomes a ProtocolError with a code and
 * a message that names the field, plus the request id when one could be read, so the error
 * can answer the request.
 */
function decode<T>(schema: z.ZodType<T>, raw: string, maxBytes: number): Decoded<T> {
  if (raw.length > maxBytes) {
    return { ok: false, error: new ProtocolError(ErrorCode.ResourceExhausted, `message larger than ${maxBytes} bytes`) };
  }
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    return { ok: false, error: ProtocolError.invalid('message is not valid JSON') };
  }
  const result = schema.safeParse(json);
  if (result.success) {
    const seq = readSeq(json);
    return seq === undefined ? { ok: true, message: result.data } : { ok: true, message: result.data, seq };
  }
  const id = readRequestId(json);
  return { ok: false, error: ProtocolError.invalid(describeIssue(json, result.error)), ...(id === undefined ? {} : { id }) };
}

function readRequestId(json: unknown): number | undefined {
  if (typeof json !== 'object' || json === null) return undefined;
  const id = (json as { id?: unknown }).id;
  return typeof id === 'number' && Number.isSafeInteger(id) && id >= 0 ? id : undefined;
}

/** `seq` is an envelope field beside the message's own (see isSequenced); zod strips it from the message. */
function readSeq(json: unknown): number | undefined {
  const seq = (json as { seq?: unknown }).seq;
  return typeof seq === 'number' && Number.isSafeInteger(seq) && seq > 0 ? seq : undefined;
}

function describeIssue(json: unknown, error: z.ZodError): string {
  const type = typeof json === 'object' && json !== null ? (json as { type?: unknown }).type : undefined;
  const issue = error.issues[0];
  if (!issue) return 'invalid message';
  if (issue.path.length === 1 && issue.path[0] === 'type') {
    return typeof type === 'string' ? `unknown message type "${type.slice(0, 40)}"` : 'message has no "type"';
  }
  const where = issue.path.length > 0 ? issue.path.join('.') : 'message';
  const what = typeof type === 'string' ? `${type.slice(0, 40)}: ` : '';
  return `${what}${where}: ${issue.message}`;
}

export function decodeClientMessage(raw: string): Decoded<ClientMessage> {
  return decode(ClientMessage, raw, MAX_MESSAGE_BYTES);
}

export function decodeServerMessage(raw: string): Decoded<ServerMessage> {
  return decode(ServerMessage, raw, MAX_SERVER_MESSAGE_BYTES);
}

export function encodeMessage(message: ClientMessage | ServerMessage, seq?: number): string {
  return JSON.stringify(seq === undefined ? message : { ...message, seq });
}

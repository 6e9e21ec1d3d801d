import type * as z from 'zod';
import { ErrorCode, ProtocolError } from './errors';
import type { LazySchemas, MessageUnion, SchemaFactories } from './lazySchemas';
import { MAX_MESSAGE_BYTES, MAX_SERVER_MESSAGE_BYTES } from './limits';
import { ClientMessages, ServerMessages, type ClientMessage, type ServerMessage } from './messages';

export type Decoded<T> = { ok: true; message: T; seq?: number } | { ok: false; error: ProtocolError; id?: number };

/**
 * Parse and validate one frame. Never throws: bad input becomes a ProtocolError with a code and
 * a message that names the field, plus the request id when one could be read, so the error
 * can answer the request.
 */
function decode<F extends SchemaFactories<F>>(schemas: LazySchemas<F>, raw: string, maxBytes: number): Decoded<MessageUnion<F>> {
  if (raw.length > maxBytes) {
    return { ok: false, error: new ProtocolError(ErrorCode.ResourceExhausted, `message larger than ${maxBytes} bytes`) };
  }
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    return { ok: false, error: ProtocolError.invalid('message is not valid JSON') };
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    return { ok: false, error: ProtocolError.invalid(`message: expected object, received ${json === null ? 'null' : Array.isArray(json) ? 'array' : typeof json}`) };
  }
  const id = readRequestId(json);
  const refuse = (why: string): Decoded<never> => ({ ok: false, error: ProtocolError.invalid(why), ...(id === undefined ? {} : { id }) });
  const type = (json as { type?: unknown }).type;
  if (typeof type !== 'string') return refuse('message has no "type"');
  const schema = schemas.of(type);
  if (schema === undefined) return refuse(`unknown message type "${type.slice(0, 40)}"`);
  const result = schema.safeParse(json);
  if (!result.success) return refuse(describeIssue(type, result.error));
  const seq = readSeq(json);
  return seq === undefined ? { ok: true, message: result.data } : { ok: true, message: result.data, seq };
}

function readRequestId(json: object): number | undefined {
  const id = (json as { id?: unknown }).id;
  return typeof id === 'number' && Number.isSafeInteger(id) && id >= 0 ? id : undefined;
}

/** `seq` is an envelope field beside the message's own (see isSequenced); zod strips it from the message. */
function readSeq(json: object): number | undefined {
  const seq = (json as { seq?: unknown }).seq;
  return typeof seq === 'number' && Number.isSafeInteger(seq) && seq > 0 ? seq : undefined;
}

function describeIssue(type: string, error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return 'invalid message';
  const where = issue.path.length > 0 ? issue.path.join('.') : 'message';
  return `${type}: ${where}: ${issue.message}`;
}

export function decodeClientMessage(raw: string): Decoded<ClientMessage> {
  return decode(ClientMessages, raw, MAX_MESSAGE_BYTES);
}

export function decodeServerMessage(raw: string): Decoded<ServerMessage> {
  return decode(ServerMessages, raw, MAX_SERVER_MESSAGE_BYTES);
}

export function encodeMessage(message: ClientMessage | ServerMessage, seq?: number): string {
  return JSON.stringify(seq === undefined ? message : { ...message, seq });
}

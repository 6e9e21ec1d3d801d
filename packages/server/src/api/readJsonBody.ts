import type { IncomingMessage } from 'node:http';
import { ProtocolError } from '@confab/protocol';
import { AdminHttpError } from './AdminHttpError';

/** Admin bodies are a few fields; anything near this is a mistake or an attack. */
export const MAX_ADMIN_BODY_BYTES = 64 * 1024;

const JSON_TYPE = /^application\/json\s*(;|$)/i;

/**
 * The request's body, parsed as JSON. Another content type is 415, a body over
 * MAX_ADMIN_BODY_BYTES is 413 (refused on its Content-Length before any of it is read), text that
 * is not JSON is 400.
 */
export async function readJsonBody(req: IncomingMessage): Promise<unknown> {
  const contentType = req.headers['content-type'];
  if (contentType === undefined || !JSON_TYPE.test(contentType)) throw AdminHttpError.notJson(contentType);
  if (Number(req.headers['content-length']) > MAX_ADMIN_BODY_BYTES) throw AdminHttpError.bodyTooLarge(MAX_ADMIN_BODY_BYTES);
  const text = await readText(req, MAX_ADMIN_BODY_BYTES);
  try {
    return JSON.parse(text);
  } catch {
    throw ProtocolError.invalid(text.trim() === '' ? 'the request body is empty; this call takes a JSON object' : 'the request body is not valid JSON');
  }
}

/**
 * Reads until the end, or refuses as soon as `limitBytes` is passed. Not by async iteration:
 * leaving that loop early destroys the socket, and the 413 would never reach the client.
 */
function readText(req: IncomingMessage, limitBytes: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const stop = (error?: Error) => {
      req.off('data', onData).off('end', onEnd).off('error', stop);
      if (error) return reject(error);
      resolve(Buffer.concat(chunks).toString('utf8'));
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limitBytes) return void chunks.push(chunk);
      // The rest stays unread: the answer closes the connection (Connection: close).
      req.pause();
      stop(AdminHttpError.bodyTooLarge(limitBytes));
    };
    const onEnd = () => stop();
    req.on('data', onData).on('end', onEnd).on('error', stop);
  });
}

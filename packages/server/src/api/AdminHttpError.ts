import { ErrorCode, ProtocolError } from '@confab/protocol';

/**
 * A refusal with a status of its own (405, 413, 415) or a header (Allow, Retry-After): status and
 * headers travel with the error; code and message are the API's usual `{error: {code, message}}`.
 */
export class AdminHttpError extends ProtocolError {
  constructor(
    code: ErrorCode,
    message: string,
    readonly status: number,
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(code, message);
  }

  static methodNotAllowed(method: string, path: string, allowed: readonly string[]): AdminHttpError {
    const allow = allowed.join(', ');
    return new AdminHttpError(ErrorCode.InvalidArgument, `${method} is not allowed on ${path}; use ${allow}`, 405, { allow });
  }

  static bodyTooLarge(limitBytes: number): AdminHttpError {
    // The rest of the body is left unread, so this connection cannot carry another request.
    return new AdminHttpError(ErrorCode.ResourceExhausted, `the request body is larger than ${limitBytes} bytes`, 413, { connection: 'close' });
  }

  static rateLimited(message: string): AdminHttpError {
    return new AdminHttpError(ErrorCode.RateLimited, message, 429, { 'retry-after': '1' });
  }

  static notJson(contentType: string | undefined): AdminHttpError {
    const sent = contentType === undefined ? 'no content-type' : `content-type ${JSON.stringify(contentType.slice(0, 64))}`;
    return new AdminHttpError(ErrorCode.InvalidArgument, `the request body must be JSON (content-type: application/json), not ${sent}`, 415);
  }
}

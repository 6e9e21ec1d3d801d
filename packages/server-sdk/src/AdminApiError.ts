import { AdminErrorBody, ErrorCode } from '@confab/protocol';

/** What a status means when the body is not the API's own error (a proxy's page, say). */
const CODE_OF_STATUS: Readonly<Record<number, ErrorCode>> = {
  400: ErrorCode.InvalidArgument,
  401: ErrorCode.Unauthenticated,
  403: ErrorCode.PermissionDenied,
  404: ErrorCode.NotFound,
  409: ErrorCode.Conflict,
  429: ErrorCode.RateLimited,
  502: ErrorCode.Unavailable,
  503: ErrorCode.Unavailable,
  504: ErrorCode.Unavailable,
};

/** An admin API call that failed: the HTTP status, the API's error code, and its message. */
export class AdminApiError extends Error {
  override readonly name = 'AdminApiError';

  constructor(
    readonly status: number,
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
  }

  /** From an error answer: its `{error: {code, message}}`, or what the status says. */
  static async fromResponse(response: Response, call: string): Promise<AdminApiError> {
    const text = await response.text();
    const body = AdminErrorBody.safeParse(parseJson(text));
    if (body.success) return new AdminApiError(response.status, body.data.error.code, body.data.error.message);
    const code = CODE_OF_STATUS[response.status] ?? ErrorCode.Internal;
    return new AdminApiError(response.status, code, `${call}: HTTP ${response.status} ${response.statusText}`.trim());
  }

  /** A success answer whose body is not what the API promises: a different server or version. */
  static unexpected(status: number, call: string, why: string): AdminApiError {
    return new AdminApiError(status, ErrorCode.Internal, `${call}: unexpected answer: ${why}`);
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Codes from the shared error set (STYLE.md "Errors"); the service maps them to the wire. */
export type MediaErrorCode = 'invalid_argument' | 'not_found' | 'conflict' | 'unavailable' | 'internal';

/** What media operations reject or throw with; never a raw library error. */
export class MediaError extends Error {
  override readonly name = 'MediaError';

  constructor(
    readonly code: MediaErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  static invalidArgument(message: string, cause?: unknown): MediaError {
    return new MediaError('invalid_argument', message, { cause });
  }

  /** The call does not fit the object's role or state (wrong role, already closed, duplicate id). */
  static conflict(message: string): MediaError {
    return new MediaError('conflict', message);
  }

  static unavailable(message: string): MediaError {
    return new MediaError('unavailable', message);
  }
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

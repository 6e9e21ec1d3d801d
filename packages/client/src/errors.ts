import type { ErrorCode, TrackSource } from '@confab/protocol';

/** Every way an SDK call can fail: the server's codes plus the ones only the client sees. */
export type ConfabErrorCode =
  | ErrorCode
  | 'timeout'
  | 'connection_failed'
  | 'media_denied'
  | 'media_unavailable'
  | 'closed';

/**
 * The one error type the SDK throws and emits. `code` is for programs to branch on, `reason` is
 * for people. Build them with the static factories.
 */
export class ConfabError extends Error {
  override readonly name = 'ConfabError';

  /** For media errors: which device failed. */
  readonly source: TrackSource | undefined;

  constructor(
    readonly code: ConfabErrorCode,
    readonly reason: string,
    options?: { cause?: unknown; source?: TrackSource },
  ) {
    super(reason, options);
    this.source = options?.source;
  }

  /** `what` did not finish in time, e.g. `timeout('join')`. */
  static timeout(what: string): ConfabError {
    return new ConfabError('timeout', `${what} timed out`);
  }

  /** The WebSocket or a peer connection could not be established. */
  static connectionFailed(reason: string, cause?: unknown): ConfabError {
    return new ConfabError('connection_failed', reason, { cause });
  }

  /** An `error` message from the server. */
  static fromServer(code: ErrorCode, message: string): ConfabError {
    return new ConfabError(code, message);
  }

  /** The user or the browser refused access to the camera, microphone or screen. */
  static mediaDenied(source: TrackSource, cause?: unknown): ConfabError {
    return new ConfabError('media_denied', `permission to use the ${source} was denied`, { cause, source });
  }

  /** No such device, the device is busy, or media capture is not available here. */
  static mediaUnavailable(source: TrackSource, detail: string, cause?: unknown): ConfabError {
    return new ConfabError('media_unavailable', `${source} unavailable: ${detail}`, { cause, source });
  }

  /** The connection closed before the request was answered, or the room was left. */
  static closed(reason = 'connection closed'): ConfabError {
    return new ConfabError('closed', reason);
  }

  /** A bad argument caught before anything was sent. */
  static invalid(reason: string): ConfabError {
    return new ConfabError('invalid_argument', reason);
  }

  /** The request clashes with the current state (e.g. a source is already published). */
  static conflict(reason: string): ConfabError {
    return new ConfabError('conflict', reason);
  }

  /** Wraps whatever getUserMedia/getDisplayMedia threw. */
  static fromMediaError(source: TrackSource, error: unknown): ConfabError {
    if (error instanceof ConfabError) return error;
    const name = (error as { name?: unknown } | null)?.name;
    const message = (error as { message?: unknown } | null)?.message;
    if (name === 'NotAllowedError' || name === 'SecurityError') return ConfabError.mediaDenied(source, error);
    const detail = typeof message === 'string' && message !== '' ? message : typeof name === 'string' ? name : String(error);
    return ConfabError.mediaUnavailable(source, detail, error);
  }

  /** Anything thrown, as a ConfabError (non-ConfabErrors become `internal`). */
  static wrap(error: unknown): ConfabError {
    if (error instanceof ConfabError) return error;
    const message = error instanceof Error ? error.message : String(error);
    return new ConfabError('internal', message, { cause: error });
  }
}

import type { RefusalReason } from './access';

/**
 * The one set of error codes on the wire. Every code is documented in docs/errors.md;
 * `errors.test.ts` keeps that list and this one in step.
 */
export const ErrorCode = {
  /** The request is malformed or a field is out of range (bad JSON, unknown type, bad room name). */
  InvalidArgument: 'invalid_argument',
  /** The thing named does not exist (room, participant, track). */
  NotFound: 'not_found',
  /** No valid access token: missing, malformed, badly signed, expired (the error's `reason` says which). */
  Unauthenticated: 'unauthenticated',
  /** The caller may not do this. */
  PermissionDenied: 'permission_denied',
  /** The request clashes with current state (already joined, source already published). */
  Conflict: 'conflict',
  /** The request is valid but not now: e.g. anything but `join` before joining. */
  FailedPrecondition: 'failed_precondition',
  /** A limit was hit: message too large, too many participants, rooms or connections. */
  ResourceExhausted: 'resource_exhausted',
  /** Too many messages too fast. */
  RateLimited: 'rate_limited',
  /** The server cannot serve this now (shutting down, media unavailable); try again. */
  Unavailable: 'unavailable',
  /** A bug on the server; the request may be retried. */
  Internal: 'internal',
} as const;

export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

export const ERROR_CODES: readonly ErrorCode[] = Object.values(ErrorCode);

/** An error that crosses the wire: a code a program can branch on, a message a person can read. */
export class ProtocolError extends Error {
  override readonly name = 'ProtocolError';
  constructor(
    readonly code: ErrorCode,
    message: string,
    /** A refused join or resume: why, for programs (RefusalReason in access.ts). */
    readonly reason?: RefusalReason,
  ) {
    super(message);
  }

  static invalid(message: string): ProtocolError {
    return new ProtocolError(ErrorCode.InvalidArgument, message);
  }
  static notFound(message: string): ProtocolError {
    return new ProtocolError(ErrorCode.NotFound, message);
  }
  static unauthenticated(message: string): ProtocolError {
    return new ProtocolError(ErrorCode.Unauthenticated, message);
  }
  static denied(message: string): ProtocolError {
    return new ProtocolError(ErrorCode.PermissionDenied, message);
  }
  static conflict(message: string): ProtocolError {
    return new ProtocolError(ErrorCode.Conflict, message);
  }
  static precondition(message: string): ProtocolError {
    return new ProtocolError(ErrorCode.FailedPrecondition, message);
  }
  static exhausted(message: string): ProtocolError {
    return new ProtocolError(ErrorCode.ResourceExhausted, message);
  }
  static unavailable(message: string): ProtocolError {
    return new ProtocolError(ErrorCode.Unavailable, message);
  }
  static internal(message = 'internal server error'): ProtocolError {
    return new ProtocolError(ErrorCode.Internal, message);
  }
}

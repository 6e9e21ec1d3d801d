import type { ErrorCode, MessageOf, RefusalReason, ServerMessage, TrackSource } from '@confab/protocol';

/** Every way an SDK call can fail: the server's codes plus the ones only the client sees. */
export type ConfabErrorCode =
  | ErrorCode
  | 'timeout'
  | 'connection_failed'
  | 'media_denied'
  | 'media_unavailable'
  | 'closed'
  | 'removed';

/** Why the server sent us out of the room for good (`removed`, then close 4003). */
export type RemovalReason = MessageOf<ServerMessage, 'removed'>['reason'];

/** A sentence for people per refusal reason, for apps that show the refusal as it is. */
const REFUSAL_TEXT: Record<RefusalReason, string> = {
  token_missing: 'This meeting needs an invitation link (an access token).',
  token_malformed: 'The invitation link is damaged: its access token cannot be read.',
  token_too_large: 'The invitation link is damaged: its access token is too large.',
  token_algorithm: 'The invitation link was not signed the way this server accepts.',
  token_unknown_key: 'The invitation link was signed with a key this server does not know.',
  token_bad_signature: 'The invitation link is not valid: its signature does not match.',
  token_expired: 'The invitation link has expired.',
  token_not_yet_valid: 'The invitation link is not valid yet.',
  token_wrong_room: 'The invitation link is for another meeting.',
  token_wrong_identity: 'The invitation link is for someone else.',
  token_no_join: 'The invitation link does not allow joining.',
  banned: 'A moderator removed you from this meeting, and you cannot rejoin for now.',
  room_locked: 'The meeting is locked: nobody new can join.',
  password_required: 'This meeting needs a password.',
  password_wrong: 'Wrong password.',
  lobby_denied: 'A moderator did not let you in.',
};

/** What people should read about a refused join or resume. */
export function describeRefusal(refusal: RefusalReason): string {
  return REFUSAL_TEXT[refusal];
}

const REMOVAL_TEXT: Record<RemovalReason, string> = {
  kicked: 'A moderator removed you from the meeting.',
  banned: 'A moderator removed you from the meeting, and you cannot rejoin for now.',
  replaced: 'You joined this meeting from another tab or device.',
  ended: 'The meeting has ended.',
  deleted: 'The meeting was closed.',
  denied: 'A moderator did not let you in.',
};

/**
 * Why capturing a camera or microphone failed, from the browser's error name (after LiveKit's
 * `MediaDeviceFailure`): each asks the person for something different.
 * - `permission_denied`: NotAllowedError / SecurityError, the person or a policy said no;
 * - `not_found`: NotFoundError / OverconstrainedError, no such device (or not the one asked for);
 * - `device_in_use`: NotReadableError / AbortError, another app holds it or the OS refused;
 * - `insecure_context`: the page is not HTTPS or localhost, so the browser offers no capture at all;
 * - `other`: anything else (unsupported browser, a bug).
 */
export type MediaFailure = 'permission_denied' | 'not_found' | 'device_in_use' | 'insecure_context' | 'other';

/** The MediaFailure for whatever getUserMedia threw. */
export function mediaFailureOf(error: unknown): MediaFailure {
  if (error instanceof ConfabError && error.failure) return error.failure;
  switch ((error as { name?: unknown } | null)?.name) {
    case 'NotAllowedError':
    case 'SecurityError':
    case 'PermissionDeniedError': // old Chromium
      return 'permission_denied';
    case 'NotFoundError':
    case 'OverconstrainedError':
    case 'DevicesNotFoundError': // old Chromium
      return 'not_found';
    case 'NotReadableError':
    case 'AbortError':
    case 'TrackStartError': // old Chromium
      return 'device_in_use';
    default:
      return 'other';
  }
}

/**
 * The one error type the SDK throws and emits. `code` is for programs to branch on, `reason` is
 * for people. Build them with the static factories.
 */
export class ConfabError extends Error {
  override readonly name = 'ConfabError';

  /** For media errors: which device failed. */
  readonly source: TrackSource | undefined;

  /** For media errors: why, in a form an app can word a message from. */
  readonly failure: MediaFailure | undefined;

  /** For a refused join or resume: why, for programs (the server's `reason`; `describeRefusal()` words it). */
  readonly refusal: RefusalReason | undefined;

  /** For `removed`: why the server sent us out (kicked, banned, replaced, ended, deleted, denied). */
  readonly removal: RemovalReason | undefined;

  constructor(
    readonly code: ConfabErrorCode,
    readonly reason: string,
    options?: { cause?: unknown; source?: TrackSource; failure?: MediaFailure; refusal?: RefusalReason; removal?: RemovalReason },
  ) {
    super(reason, options);
    this.source = options?.source;
    this.failure = options?.failure;
    this.refusal = options?.refusal;
    this.removal = options?.removal;
  }

  /** `what` did not finish in time, e.g. `timeout('join')`. */
  static timeout(what: string): ConfabError {
    return new ConfabError('timeout', `${what} timed out`);
  }

  /** The WebSocket or a peer connection could not be established. */
  static connectionFailed(reason: string, cause?: unknown): ConfabError {
    return new ConfabError('connection_failed', reason, { cause });
  }

  /** An `error` message from the server; `refusal` is its `reason` on a refused join or resume. */
  static fromServer(code: ErrorCode, message: string, refusal?: RefusalReason): ConfabError {
    return new ConfabError(code, message, refusal ? { refusal } : undefined);
  }

  /**
   * The server sent us out for good (`removed`, or a bare close 4003). Without the server's words,
   * the reason's own sentence; without a reason, a general one.
   */
  static removed(removal: RemovalReason | undefined, message?: string): ConfabError {
    const reason = message || (removal ? REMOVAL_TEXT[removal] : 'You were removed from the meeting.');
    return new ConfabError('removed', reason, removal ? { removal } : undefined);
  }

  /** The app's token function (ConnectOptions.token) failed: there is nothing to join or resume with. */
  static tokenUnavailable(cause: unknown): ConfabError {
    const detail = cause instanceof Error ? cause.message : String(cause);
    return new ConfabError('unauthenticated', `could not get an access token: ${detail}`, { cause });
  }

  /** The user or the browser refused access to the camera, microphone or screen. */
  static mediaDenied(source: TrackSource, cause?: unknown): ConfabError {
    return new ConfabError('media_denied', `permission to use the ${source} was denied`, { cause, source, failure: 'permission_denied' });
  }

  /** No such device, the device is busy, or media capture is not available here. */
  static mediaUnavailable(source: TrackSource, detail: string, cause?: unknown, failure: MediaFailure = 'other'): ConfabError {
    return new ConfabError('media_unavailable', `${source} unavailable: ${detail}`, { cause, source, failure });
  }

  /** The page is not a secure context (HTTPS or localhost): browsers offer no camera or microphone there. */
  static insecureContext(source: TrackSource): ConfabError {
    return ConfabError.mediaUnavailable(source, 'camera and microphone need HTTPS (or localhost)', undefined, 'insecure_context');
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
    const failure = mediaFailureOf(error);
    if (failure === 'permission_denied') return ConfabError.mediaDenied(source, error);
    const detail = typeof message === 'string' && message !== '' ? message : typeof name === 'string' ? name : String(error);
    return ConfabError.mediaUnavailable(source, detail, error, failure);
  }

  /** Anything thrown, as a ConfabError (non-ConfabErrors become `internal`). */
  static wrap(error: unknown): ConfabError {
    if (error instanceof ConfabError) return error;
    const message = error instanceof Error ? error.message : String(error);
    return new ConfabError('internal', message, { cause: error });
  }
}

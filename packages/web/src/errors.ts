/** Friendly wording for SDK errors (ConfabError codes). Pure functions, tested in errors.test.ts. */
import { mediaFailureOf, type MediaFailure, type RefusalReason, type RemovalReason } from '@confab/client';
import { ROOM_NAME_RULE } from './names';

export type MediaSource = 'microphone' | 'camera' | 'screen';

/** Where the app links for "how do I serve this over HTTPS": docs/deploy.md, served by the server. */
export const DEPLOY_GUIDE_PATH = '/docs/deploy';

/**
 * Why this page cannot use a camera or microphone at all, before asking: browsers offer capture
 * only in a secure context (HTTPS, or localhost) and hide `navigator.mediaDevices` elsewhere.
 */
export function pageCaptureProblem(page: { secureContext: boolean; hasMediaDevices: boolean }): MediaFailure | null {
  if (!page.secureContext) return 'insecure_context';
  if (!page.hasMediaDevices) return 'other';
  return null;
}

/** The same check on the real page. */
export function currentPageCaptureProblem(): MediaFailure | null {
  return pageCaptureProblem({ secureContext: window.isSecureContext, hasMediaDevices: !!navigator.mediaDevices?.getUserMedia });
}

/** The insecure-origin message; `host` is the address the page was opened on. */
export function insecureContextMessage(host: string): { title: string; message: string } {
  return {
    title: 'Camera and microphone need HTTPS',
    message:
      `Browsers only allow the camera and microphone on pages served over HTTPS (or from localhost). ` +
      `This page was opened over plain HTTP from ${host}, so you can join to watch, listen and chat, but nobody will see or hear you. ` +
      `Whoever runs this server can turn on HTTPS: see the deployment guide.`,
  };
}

/**
 * The MediaFailure of a media error: the SDK's `failure`, else read from a raw DOMException's
 * name; a bare `media_denied` code means permission.
 */
export function mediaFailure(err: unknown): MediaFailure {
  const failure = typeof err === 'object' && err !== null ? (err as { failure?: unknown }).failure : undefined;
  if (failure === 'permission_denied' || failure === 'not_found' || failure === 'device_in_use' || failure === 'insecure_context' || failure === 'other') {
    return failure;
  }
  if (errorCode(err) === 'media_denied') return 'permission_denied';
  const cause = typeof err === 'object' && err !== null ? (err as { cause?: unknown }).cause : undefined;
  const fromName = mediaFailureOf(err);
  return fromName !== 'other' ? fromName : cause !== undefined ? mediaFailureOf(cause) : 'other';
}

type DeviceWords = 'camera' | 'microphone' | 'camera and microphone';

/**
 * One message per kind of device failure, each saying what to do about it. `retry` is what to
 * press afterwards ("press the camera button", "try again").
 */
export function describeDeviceFailure(devices: DeviceWords, failure: MediaFailure, detail: string, retry: string): string {
  const both = devices === 'camera and microphone';
  const them = both ? 'them' : 'it';
  switch (failure) {
    case 'insecure_context':
      return 'Camera and microphone need HTTPS (or localhost): this page was opened over plain HTTP, so the browser offers neither. See the deployment guide.';
    case 'permission_denied':
      return `${capitalise(devices)} access ${both ? 'were' : 'was'} blocked. Allow ${them} in your browser’s site settings (the icon left of the address), then ${retry}.`;
    case 'not_found':
      return both
        ? `No camera or microphone was found. Connect one (or check ${them} in your system settings), then ${retry}.`
        : `No ${devices} was found. Connect one (or check it in your system settings), then ${retry}.`;
    case 'device_in_use':
      return `Your ${devices} ${both ? 'are' : 'is'} in use by another app, or your system blocked ${them}. Close the other app, then ${retry}.`;
    default:
      return `Couldn’t start your ${devices}${detail ? `: ${detail}` : ''}.`;
  }
}

/** The `code` of a ConfabError (or anything shaped like one), else undefined. */
export function errorCode(err: unknown): string | undefined {
  if (typeof err === 'object' && err !== null && 'code' in err) {
    const code = (err as { code: unknown }).code;
    if (typeof code === 'string') return code;
  }
  if (err instanceof DOMException || (err instanceof Error && err.name.endsWith('Error'))) {
    // raw getUserMedia/getDisplayMedia failures, should the SDK pass one through
    if (err.name === 'NotAllowedError' || err.name === 'SecurityError') return 'media_denied';
    if (['NotFoundError', 'OverconstrainedError', 'NotReadableError', 'AbortError'].includes(err.name)) return 'media_unavailable';
  }
  return undefined;
}

export function errorMessage(err: unknown): string {
  if (err instanceof Error && err.message) return err.message;
  if (typeof err === 'string') return err;
  return 'unknown error';
}

/** Which device a media error is about: the SDK's ConfabError carries it as `source`. */
export function mediaSourceOf(err: unknown): MediaSource | undefined {
  const source = typeof err === 'object' && err !== null ? (err as { source?: unknown }).source : undefined;
  return source === 'microphone' || source === 'camera' || source === 'screen' ? source : undefined;
}

export interface JoinProblem {
  title: string;
  message: string;
  /** Whether trying the same thing again may help. */
  retry: boolean;
  /** The retry button's words, when "Try again" would not fit. */
  retryLabel?: string;
}

/** Why the server refused a join (the error's `refusal`), if it said. */
export function refusalOf(err: unknown): RefusalReason | undefined {
  const refusal = typeof err === 'object' && err !== null ? (err as { refusal?: unknown }).refusal : undefined;
  return typeof refusal === 'string' ? (refusal as RefusalReason) : undefined;
}

/** Refusals the pre-join screen answers with its password field, and what the field says. */
export function passwordProblem(err: unknown, triedPassword: boolean): string | null {
  const refusal = refusalOf(err);
  if (refusal === 'password_required') return 'This meeting has a password. Enter it to join.';
  if (refusal === 'password_wrong') return 'Wrong password. Check it and try again.';
  // Too many wrong guesses are refused as rate_limited, without a reason.
  if (triedPassword && errorCode(err) === 'rate_limited') return 'Too many wrong passwords. Wait a minute, then try again.';
  return null;
}

/** The page shown after the server sent us out of the meeting for good; no automatic rejoin. */
export function describeRemoval(removal: RemovalReason | undefined, room: string): JoinProblem {
  switch (removal) {
    case 'banned':
      return { title: 'You were removed from the meeting', message: `A moderator removed you from “${room}”, and you can’t rejoin it for now.`, retry: false };
    case 'replaced':
      return {
        title: 'You joined from another tab or device',
        message: `“${room}” is open somewhere else with your name, so it closed here.`,
        retry: true,
        retryLabel: 'Join here instead',
      };
    case 'ended':
      return { title: 'The meeting has ended', message: `A moderator ended “${room}” for everyone.`, retry: false };
    case 'deleted':
      return { title: 'The meeting has ended', message: `“${room}” was closed.`, retry: false };
    case 'denied':
      return { title: 'A moderator did not let you in', message: `Nobody let you into “${room}”.`, retry: false };
    default:
      return { title: 'You were removed from the meeting', message: `A moderator removed you from “${room}”.`, retry: false };
  }
}

/** A refused join, by the server's reason: each asks the person for something different. */
function describeRefusedJoin(refusal: RefusalReason, detail: string, room: string): JoinProblem {
  switch (refusal) {
    case 'token_missing':
      return { title: 'This meeting needs an invitation link', message: sentence(detail) || `Ask whoever organises “${room}” for your invitation link.`, retry: false };
    case 'token_expired':
      return { title: 'This invitation link has expired', message: `${sentence(detail)} Ask for a new invitation link.`, retry: false };
    case 'token_not_yet_valid':
      return { title: 'This invitation link isn’t valid yet', message: `${sentence(detail)} Try again a little later.`, retry: true };
    case 'token_wrong_room':
      return { title: 'This invitation link is for another meeting', message: `${sentence(detail)} Ask for an invitation link to “${room}”.`, retry: false };
    case 'token_no_join':
      return { title: 'This invitation link doesn’t let you join', message: `${sentence(detail)} Ask for an invitation link to “${room}”.`, retry: false };
    case 'banned':
      return { title: 'You can’t rejoin this meeting', message: `A moderator removed you from “${room}”, and you can’t rejoin it for now.`, retry: false };
    case 'room_locked':
      return { title: 'This meeting is locked', message: `Nobody new can join “${room}” right now. Ask a moderator to unlock it, then try again.`, retry: true };
    case 'lobby_denied':
      return describeRemoval('denied', room);
    case 'password_required':
      return { title: 'This meeting has a password', message: `Enter the password of “${room}” to join.`, retry: true };
    case 'password_wrong':
      return { title: 'Wrong password', message: `That isn’t the password of “${room}”.`, retry: true };
    default:
      return { title: 'This invitation link doesn’t work', message: `${sentence(detail)} Ask for a new invitation link.`, retry: false };
  }
}

export function describeJoinError(err: unknown, ctx: { room: string; serverUrl: string }): JoinProblem {
  const code = errorCode(err);
  const detail = errorMessage(err);
  const refusal = refusalOf(err);
  if (refusal) return describeRefusedJoin(refusal, detail, ctx.room);
  if (code === 'removed') return describeRemoval((err as { removal?: RemovalReason }).removal, ctx.room);
  switch (code) {
    case 'invalid_argument':
      if (/room/i.test(detail) || !/name/i.test(detail)) {
        return { title: 'That room name won’t work', message: `“${ctx.room}” isn’t a valid room name. ${ROOM_NAME_RULE}`, retry: false };
      }
      return { title: 'That name won’t work', message: `The server didn’t accept your name: ${lastClause(detail)}.`, retry: false };
    case 'connection_failed':
    case 'timeout':
      return {
        title: 'Can’t connect',
        message: `Can’t reach the Confab server at ${ctx.serverUrl}. Check your connection, or that the server is running, then try again.`,
        retry: true,
      };
    case 'unavailable':
      return { title: 'Server unavailable', message: `The Confab server at ${ctx.serverUrl} can’t take new calls right now (${detail}). Try again in a moment.`, retry: true };
    case 'resource_exhausted':
      return { title: 'Room is full', message: `Can’t join “${ctx.room}”: ${detail}.`, retry: true };
    case 'rate_limited':
      return { title: 'Slow down', message: 'Too many attempts in a short time. Wait a few seconds and try again.', retry: true };
    case 'permission_denied':
      return { title: 'Not allowed', message: `You can’t join “${ctx.room}”: ${detail}.`, retry: false };
    case 'conflict':
      return { title: 'Already joined', message: `You’re already in “${ctx.room}” from this page: ${detail}.`, retry: true };
    default:
      return { title: 'Couldn’t join the room', message: `Something went wrong while joining “${ctx.room}”: ${detail}.`, retry: true };
  }
}

/** Wording when publishing a device failed; null when it needs no message (screen picker cancelled). */
export function describeMediaError(source: MediaSource, err: unknown, joining: boolean): string | null {
  const code = errorCode(err);
  if (source === 'screen') {
    if (code === 'media_denied') return null; // the user closed the picker
    return `Couldn’t share your screen: ${errorMessage(err)}.`;
  }
  const message = describeDeviceFailure(source, mediaFailure(err), errorMessage(err), `press the ${source} button`);
  return joining ? `${message} You joined without your ${source}.` : message;
}

/**
 * One message for the devices that failed when joining: a shared one when both failed the same
 * way, else one per device.
 */
export function describeJoinMediaErrors(failures: ReadonlyMap<MediaSource, unknown>): string {
  const mic = failures.get('microphone');
  const camera = failures.get('camera');
  if (mic !== undefined && camera !== undefined && mediaFailure(mic) === mediaFailure(camera) && mediaFailure(mic) !== 'other') {
    const message = describeDeviceFailure('camera and microphone', mediaFailure(mic), '', 'press the camera or microphone button');
    return `${message} You joined without them.`;
  }
  return [...failures].map(([source, err]) => describeMediaError(source, err, true) ?? errorMessage(err)).join(' ');
}

/** Wording for an `error` event during the call (a request that failed). */
export function describeRoomError(err: unknown): string {
  const code = errorCode(err);
  switch (code) {
    case 'rate_limited':
      return 'You’re doing that too fast; wait a moment and try again.';
    case 'permission_denied':
      return `You’re not allowed to do that: ${errorMessage(err)}.`;
    case 'media_denied':
    case 'media_unavailable':
      return describeMediaError('camera', err, false) ?? errorMessage(err);
    case 'unavailable':
    case 'connection_failed':
    case 'timeout':
      return `Connection problem: ${errorMessage(err)}.`;
    default:
      return `Something went wrong: ${errorMessage(err)}.`;
  }
}

/** Why a moderator's start or stop of recording was refused, from the server's error. */
export function describeRecordingError(err: unknown, starting: boolean): string {
  switch (errorCode(err)) {
    case 'permission_denied':
      return 'Only moderators can start or stop recording.';
    case 'conflict':
      return 'The meeting is being recorded already.';
    case 'not_found':
      return 'The meeting isn’t being recorded.';
    case 'resource_exhausted':
      return 'The server is recording as many meetings as it may. Try again when another recording has ended.';
    case 'unavailable':
      return starting ? `The server can’t record now. ${sentence(errorMessage(err))}` : describeRoomError(err);
    default:
      return describeRoomError(err);
  }
}

/** The server's words as a sentence: capitalised, with a full stop. */
export function sentence(s: string): string {
  const trimmed = s.trim();
  if (trimmed === '') return '';
  const capitalised = capitalise(trimmed);
  return /[.!?]$/.test(capitalised) ? capitalised : `${capitalised}.`;
}

/** "join: name: name must be at most 64 characters" -> "name must be at most 64 characters". */
function lastClause(s: string): string {
  return s.split(': ').pop() ?? s;
}

function capitalise(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

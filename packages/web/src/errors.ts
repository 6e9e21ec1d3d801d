/** Friendly wording for SDK errors (ConfabError codes). Pure functions, tested in errors.test.ts. */
import { ROOM_NAME_RULE } from './names';

export type MediaSource = 'microphone' | 'camera' | 'screen';

/** The `code` of a ConfabError (or anything shaped like one), else undefined. */
export function errorCode(err: unknown): string | undefined {
  if (typeof err === 'object' && err !== null && 'code' in err) {
    const code = (err as { code: unknown }).code;
    if (typeof code === 'string') return code;
  }
  if (err instanceof DOMException || (err instanceof Error && err.name.endsWith('Error'))) {
    // raw getUserMedia/getDisplayMedia failures, should the SDK pass one through
    if (err.name === 'NotAllowedError' || err.name === 'SecurityError') return 'media_denied';
    if (err.name === 'NotFoundError' || err.name === 'OverconstrainedError' || err.name === 'NotReadableError') return 'media_unavailable';
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
}

export function describeJoinError(err: unknown, ctx: { room: string; serverUrl: string }): JoinProblem {
  const code = errorCode(err);
  const detail = errorMessage(err);
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

const DEVICE_WORD: Record<MediaSource, string> = { microphone: 'microphone', camera: 'camera', screen: 'screen' };

/** Wording when publishing a device failed; null when it needs no message (screen picker cancelled). */
export function describeMediaError(source: MediaSource, err: unknown, joining: boolean): string | null {
  const code = errorCode(err);
  const device = DEVICE_WORD[source];
  const tail = joining ? ` You joined without your ${device}.` : '';
  if (source === 'screen') {
    if (code === 'media_denied') return null; // the user closed the picker
    return `Couldn’t share your screen: ${errorMessage(err)}.`;
  }
  if (code === 'media_denied') {
    return `${capitalise(device)} access was blocked.${tail} Allow it in your browser’s site settings, then press the ${device} button.`;
  }
  if (code === 'media_unavailable') {
    return `No ${device} was found, or it’s in use by another app.${tail}`;
  }
  return `Couldn’t start your ${device}: ${errorMessage(err)}.${tail}`;
}

/**
 * One message for the devices that failed when joining: a shared sentence when both were
 * blocked (or both missing), else one sentence per device.
 */
export function describeJoinMediaErrors(failures: ReadonlyMap<MediaSource, unknown>): string {
  const mic = failures.get('microphone');
  const camera = failures.get('camera');
  if (mic !== undefined && camera !== undefined && errorCode(mic) === errorCode(camera)) {
    if (errorCode(mic) === 'media_denied') {
      return 'Camera and microphone access were blocked, so you joined without them. Allow them in your browser’s site settings, then press the camera or microphone button.';
    }
    if (errorCode(mic) === 'media_unavailable') {
      return 'No camera or microphone was found (or they’re in use by another app), so you joined without them.';
    }
  }
  return [...failures].map(([source, err]) => describeMediaError(source, err, true) ?? errorMessage(err)).join(' ');
}

/** Wording for an `error` event during the call (a request that failed). */
export function describeRoomError(err: unknown): string {
  const code = errorCode(err);
  switch (code) {
    case 'rate_limited':
      return 'You’re doing that too fast; wait a moment and try again.';
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

/** "join: name: name must be at most 64 characters" -> "name must be at most 64 characters". */
function lastClause(s: string): string {
  return s.split(': ').pop() ?? s;
}

function capitalise(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

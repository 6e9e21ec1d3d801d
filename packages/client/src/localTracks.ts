/**
 * Local tracks before (or without) a room: what a pre-join screen previews and then hands to
 * `connect({ publish: { camera: track, microphone: track } })`, so joining needs no second
 * permission prompt and the camera does not flicker.
 */
import { ConfabError } from './errors';
import { captureDevice, captureUserMedia, type CaptureConstraints } from './media';

export type LocalDeviceSource = 'microphone' | 'camera';

/** What to capture per device: true for the default device, constraints to pick one, false/absent for none. */
export interface LocalTracksRequest {
  microphone?: CaptureConstraints | undefined;
  camera?: CaptureConstraints | undefined;
}

/** The tracks that could be captured, and an error (with `failure`) for each device that could not. */
export interface LocalTracks {
  microphone?: MediaStreamTrack;
  camera?: MediaStreamTrack;
  errors: ConfabError[];
}

/**
 * `constraints` with `deviceId` set: `exact` (the default) fails rather than silently use another
 * device; `ideal` lets the browser choose another, though Chromium then ignores it for microphones
 * (measured with its fake devices), so check `listDevices()` and use `exact` to honour a choice.
 */
export function withDevice(
  constraints: CaptureConstraints | undefined,
  deviceId: string | undefined,
  mode: 'exact' | 'ideal' = 'exact',
): CaptureConstraints {
  if (!deviceId) return constraints ?? true;
  return { ...(typeof constraints === 'object' ? constraints : {}), deviceId: { [mode]: deviceId } };
}

/** Captures one camera or microphone track (getUserMedia); rejects with a ConfabError. */
export function createLocalTrack(source: LocalDeviceSource, constraints: CaptureConstraints = true): Promise<MediaStreamTrack> {
  return captureDevice(source, constraints);
}

/**
 * Captures the camera and/or microphone with one permission prompt when both are asked for. If
 * that fails, each device is tried alone, so a missing or busy camera does not cost the microphone.
 * Never rejects: the devices that failed are in `errors`.
 */
export async function createLocalTracks(request: LocalTracksRequest): Promise<LocalTracks> {
  const result: LocalTracks = { errors: [] };
  const { microphone, camera } = request;
  if (microphone && camera) {
    try {
      const both = await captureUserMedia({ audio: microphone, video: camera });
      if (both.audio && both.video) return { microphone: both.audio, camera: both.video, errors: [] };
      both.audio?.stop();
      both.video?.stop();
    } catch (error) {
      // The page cannot capture at all: asking per device would only say so twice more.
      if (error instanceof ConfabError && error.failure === 'insecure_context') {
        return { errors: [sourced(error, 'microphone'), sourced(error, 'camera')] };
      }
    }
  }
  for (const [source, constraints] of [['microphone', microphone], ['camera', camera]] as const) {
    if (!constraints) continue;
    try {
      result[source] = await captureDevice(source, constraints);
    } catch (error) {
      result.errors.push(ConfabError.wrap(error));
    }
  }
  return result;
}

/** The same failure, said about `source`. */
function sourced(error: ConfabError, source: LocalDeviceSource): ConfabError {
  if (error.source === source) return error;
  return new ConfabError(error.code, error.reason.replace(/^(camera|microphone)/, source).replace(/the (camera|microphone)/, `the ${source}`), {
    cause: error.cause,
    source,
    ...(error.failure ? { failure: error.failure } : {}),
  });
}

import { captureUserMedia } from './media';

/** What to publish for a device at join: capture it (true or constraints), or this track. */
export type InitialPublish = boolean | MediaTrackConstraints | MediaStreamTrack;
export interface InitialPublishRequest {
  microphone?: InitialPublish;
  camera?: InitialPublish;
}

/** A MediaStreamTrack rather than capture constraints (duck-typed: Node tests have no MediaStreamTrack class). */
export function isTrack(value: unknown): value is MediaStreamTrack {
  return typeof value === 'object' && value !== null && 'kind' in value && typeof (value as MediaStreamTrack).stop === 'function';
}

/**
 * Devices to capture at join start capturing with the join, not after it: getUserMedia takes
 * 100-300 ms, about as long as opening the socket and joining, and the page is less busy before
 * the room arrives than after. What it captured is handed over like a pre-join preview's tracks. A
 * failure (a device missing, permission refused) gives the request back as it was, so that
 * publishing after the join captures device by device and reports each device's own error.
 */
export async function captureEarly(request: InitialPublishRequest | undefined): Promise<InitialPublishRequest | undefined> {
  const microphone = request?.microphone;
  const camera = request?.camera;
  const audio = microphone && !isTrack(microphone) ? microphone : undefined;
  const video = camera && !isTrack(camera) ? camera : undefined;
  if (!audio && !video) return request;
  try {
    const captured = await captureUserMedia({ audio, video });
    if ((audio && !captured.audio) || (video && !captured.video)) {
      captured.audio?.stop();
      captured.video?.stop();
      return request;
    }
    return { microphone: captured.audio ?? microphone, camera: captured.video ?? camera };
  } catch {
    return request;
  }
}

/** Stops the tracks of `request` (ours since connect() was called) that will not be published. */
export function stopTracks(request: InitialPublishRequest | undefined): void {
  for (const value of [request?.microphone, request?.camera]) if (isTrack(value)) value.stop();
}

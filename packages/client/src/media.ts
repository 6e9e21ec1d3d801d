import type { TrackSource } from '@confab/protocol';
import { ConfabError } from './errors';

/** Browser capture: the only module that touches navigator.mediaDevices. */

export type CaptureConstraints = boolean | MediaTrackConstraints;

function mediaDevices(source: TrackSource): MediaDevices {
  const devices = globalThis.navigator?.mediaDevices;
  if (!devices) {
    // Browsers hide navigator.mediaDevices entirely outside a secure context.
    if (globalThis.isSecureContext === false) throw ConfabError.insecureContext(source);
    throw ConfabError.mediaUnavailable(source, 'this browser offers no media capture');
  }
  return devices;
}

/** Captures microphone and/or camera with one permission prompt. */
export async function captureUserMedia(request: {
  audio?: CaptureConstraints | undefined;
  video?: CaptureConstraints | undefined;
}): Promise<{ audio?: MediaStreamTrack; video?: MediaStreamTrack }> {
  const source: TrackSource = request.video ? 'camera' : 'microphone';
  let stream: MediaStream;
  try {
    stream = await mediaDevices(source).getUserMedia({ audio: request.audio ?? false, video: request.video ?? false });
  } catch (error) {
    throw ConfabError.fromMediaError(source, error);
  }
  const audio = stream.getAudioTracks()[0];
  const video = stream.getVideoTracks()[0];
  return { ...(audio ? { audio } : {}), ...(video ? { video } : {}) };
}

/** Captures one microphone or camera track. */
export async function captureDevice(source: 'microphone' | 'camera', constraints: CaptureConstraints = true): Promise<MediaStreamTrack> {
  let stream: MediaStream;
  try {
    stream = await mediaDevices(source).getUserMedia(source === 'microphone' ? { audio: constraints } : { video: constraints });
  } catch (error) {
    throw ConfabError.fromMediaError(source, error);
  }
  const track = source === 'microphone' ? stream.getAudioTracks()[0] : stream.getVideoTracks()[0];
  if (!track) throw ConfabError.mediaUnavailable(source, 'the browser returned no track');
  return track;
}

/** Asks the user for a screen, window or tab to share (video only). */
export async function captureScreen(): Promise<MediaStreamTrack> {
  let stream: MediaStream;
  try {
    stream = await mediaDevices('screen').getDisplayMedia({ video: true, audio: false });
  } catch (error) {
    throw ConfabError.fromMediaError('screen', error);
  }
  const track = stream.getVideoTracks()[0];
  if (!track) throw ConfabError.mediaUnavailable('screen', 'the browser returned no track');
  for (const extra of stream.getAudioTracks()) extra.stop();
  return track;
}

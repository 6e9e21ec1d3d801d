/**
 * A Chromium process of its own for one participant: its own fake capture files (the flags are
 * per process, so participants that need distinct audio or video need one browser each) and,
 * optionally, its own network namespace (then it reaches the server at SERVER_ADDRESS over its veth).
 */
import { chromium, type Browser } from 'playwright-core';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../browser';
import type { NetNamespace } from './NetNamespace';

export interface ParticipantBrowserOptions {
  /** Run inside this namespace (its link can then be impaired alone). */
  namespace?: NetNamespace;
  /** WAV fed as the microphone (see mediaFiles.ts). */
  audioFile?: string;
  /** y4m fed as the camera. */
  videoFile?: string;
  /**
   * The server's origin when it is not on localhost (e.g. http://10.77.255.1:PORT): getUserMedia
   * needs a secure context, and Chromium treats only localhost as one without TLS.
   */
  serverOrigin?: string;
}

export async function launchParticipantBrowser(options: ParticipantBrowserOptions = {}): Promise<Browser> {
  const args = [...CHROMIUM_ARGS];
  if (options.audioFile) args.push(`--use-file-for-fake-audio-capture=${options.audioFile}`);
  if (options.videoFile) args.push(`--use-file-for-fake-video-capture=${options.videoFile}`);
  if (options.serverOrigin) args.push(`--unsafely-treat-insecure-origin-as-secure=${options.serverOrigin}`);
  const executablePath = options.namespace ? options.namespace.wrapper(CHROMIUM_PATH) : CHROMIUM_PATH;
  return chromium.launch({ executablePath, args, timeout: 60_000 });
}

import { vp8Frames } from '../../../packages/server/src/media/recording/testing/encodedMedia';

/** 10 s of testsrc2 at a layer's size, ~0.05 bits per pixel as browsers send a camera, a key frame every 2 s. */
export function recordedCamera(width: number, height: number): ReturnType<typeof vp8Frames> {
  return vp8Frames(10, 60, `${width}x${height}`, `${Math.round((width * height * 30 * 0.054) / 1000)}k`);
}

/** What the app captures, and the remembered choices turned into what `connect()` publishes. */
import { withDevice, type ConnectOptions } from '@confab/client';
import { loadFlag, loadPref } from './prefs';

/** 16:9 to fill the tiles. */
export const CAMERA: MediaTrackConstraints = { width: { ideal: 960 }, height: { ideal: 540 }, frameRate: { ideal: 30 } };
/** Echo cancellation and friends for a call. */
export const MICROPHONE: MediaTrackConstraints = { echoCancellation: true, noiseSuppression: true, autoGainControl: true };

/** Constraints for a device kind with the remembered device preferred (it may be gone: `ideal`). */
export function rememberedConstraints(kind: 'camera' | 'microphone'): MediaTrackConstraints | boolean {
  const deviceId = loadPref(kind === 'camera' ? 'cameraDevice' : 'microphoneDevice') ?? undefined;
  return withDevice(kind === 'camera' ? CAMERA : MICROPHONE, deviceId, 'ideal');
}

/** `/r/<room>?prejoin=0`: straight in, with the devices on or off as last time. */
export function rememberedPublish(): NonNullable<ConnectOptions['publish']> {
  return {
    microphone: loadFlag('microphoneOn') ? rememberedConstraints('microphone') : false,
    camera: loadFlag('cameraOn') ? rememberedConstraints('camera') : false,
  };
}

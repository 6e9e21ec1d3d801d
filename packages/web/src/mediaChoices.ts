/** What the app captures, and the remembered choices turned into what `connect()` publishes. */
import { listDevices, withDevice, type ConnectOptions } from '@confab/client';
import { loadFlag, loadPref } from './prefs';

/** 16:9 to fill the tiles. */
export const CAMERA: MediaTrackConstraints = { width: { ideal: 1280 }, height: { ideal: 720 }, frameRate: { ideal: 30 } };
/** Echo cancellation and friends for a call. */
export const MICROPHONE: MediaTrackConstraints = { echoCancellation: true, noiseSuppression: true, autoGainControl: true };

/**
 * Constraints for a device kind with the remembered device, if it is still plugged in. `exact`,
 * because Chromium ignores an `ideal` deviceId for microphones; a device that is gone falls back to
 * the default instead of failing.
 */
export async function rememberedConstraints(kind: 'camera' | 'microphone'): Promise<MediaTrackConstraints | boolean> {
  const base = kind === 'camera' ? CAMERA : MICROPHONE;
  const deviceId = loadPref(kind === 'camera' ? 'cameraDevice' : 'microphoneDevice');
  if (!deviceId) return base;
  const lists = await listDevices().catch(() => undefined);
  const present = (kind === 'camera' ? lists?.cameras : lists?.microphones)?.some((d) => d.deviceId === deviceId);
  return present ? withDevice(base, deviceId) : base;
}

/** `/r/<room>?prejoin=0`: straight in, with the devices on or off, and the ones chosen, as last time. */
export async function rememberedPublish(): Promise<NonNullable<ConnectOptions['publish']>> {
  const [microphone, camera] = await Promise.all([
    loadFlag('microphoneOn') ? rememberedConstraints('microphone') : false,
    loadFlag('cameraOn') ? rememberedConstraints('camera') : false,
  ]);
  return { microphone, camera };
}

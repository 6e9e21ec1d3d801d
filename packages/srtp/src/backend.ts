/**
 * Which backend runs the per-packet crypto. Default: the native core if it loads, else TypeScript.
 * CONFAB_SRTP_BACKEND=native|ts forces one; forcing native where it cannot load is an error.
 */
import { NativeCipher } from './NativeCipher';
import type { SessionKeys } from './keyDerivation';
import { loadNativeAddon, type NativeRtpFanout, type NativeSendStates, type NativeTcpUserTimeout, type NativeUdpBatchSend, type NativeUdpReceive } from './nativeAddon';
import type { PacketCipher, SrtpBackend } from './packetCipher';
import type { SrtpProfile } from './profiles';
import { TsCmCipher } from './TsCmCipher';
import { TsGcmCipher } from './TsGcmCipher';

export const SRTP_BACKEND_ENV = 'CONFAB_SRTP_BACKEND';
/** CONFAB_UDP_RECEIVE=kernel|dgram: how the media socket is read (see nativeUdpReceive). */
export const UDP_RECEIVE_ENV = 'CONFAB_UDP_RECEIVE';
/** CONFAB_NATIVE_FANOUT=1|0: whether the SFU fans packets out in the native core (default: with the native backend; see nativeRtpFanout). */
export const NATIVE_FANOUT_ENV = 'CONFAB_NATIVE_FANOUT';

/** The backend sessions get when they do not ask for one. Throws if the environment forces an unusable one. */
export function srtpBackend(): SrtpBackend {
  const forced = process.env[SRTP_BACKEND_ENV] ?? '';
  if (forced === 'ts') return 'ts';
  if (forced === 'native') {
    requireNative();
    return 'native';
  }
  if (forced !== '') throw new Error(`${SRTP_BACKEND_ENV}=${forced}: expected 'native' or 'ts'`);
  return loadNativeAddon().addon !== null ? 'native' : 'ts';
}

/** Why the native core is unavailable, or null when it loaded. For start-up logs. */
export function srtpNativeLoadError(): string | null {
  return loadNativeAddon().error;
}

/**
 * The native core's batched UDP send, when the native backend is the one in use (the pure
 * TypeScript configuration stays free of native code) and the platform has it; else null.
 */
export function nativeUdpBatchSend(): NativeUdpBatchSend | null {
  if (srtpBackend() !== 'native') return null;
  return loadNativeAddon().addon?.sendBatch ?? null;
}

/**
 * The native core's TCP_USER_TIMEOUT setter, under the same rule as nativeUdpBatchSend; null means
 * the server cannot keep the heartbeat itself (CONFAB_HEARTBEAT=server) and clients must ping.
 */
export function nativeTcpUserTimeout(): NativeTcpUserTimeout | null {
  if (srtpBackend() !== 'native') return null;
  return loadNativeAddon().addon?.setTcpUserTimeout ?? null;
}

/**
 * The native core's batched receive with kernel arrival times, under the same rule as
 * nativeUdpBatchSend; null means the caller keeps dgram and stamps arrivals itself.
 * CONFAB_UDP_RECEIVE=dgram keeps dgram; =kernel where it cannot be had is an error.
 */
export function nativeUdpReceive(): NativeUdpReceive | null {
  const forced = process.env[UDP_RECEIVE_ENV] ?? '';
  if (forced !== '' && forced !== 'kernel' && forced !== 'dgram') throw new Error(`${UDP_RECEIVE_ENV}=${forced}: expected 'kernel' or 'dgram'`);
  if (forced === 'dgram') return null;
  const addon = srtpBackend() === 'native' ? loadNativeAddon().addon : null;
  if (
    addon?.startReceive === undefined ||
    addon.stopReceive === undefined ||
    addon.startReceiveGroup === undefined ||
    addon.addToReceiveGroup === undefined ||
    addon.removeFromReceiveGroup === undefined
  ) {
    if (forced === 'kernel') throw new Error(`${UDP_RECEIVE_ENV}=kernel needs the native core on Linux (${srtpNativeLoadError() ?? `backend ${srtpBackend()}`})`);
    return null;
  }
  return {
    start: addon.startReceive,
    stop: addon.stopReceive,
    startGroup: addon.startReceiveGroup,
    addToGroup: addon.addToReceiveGroup,
    removeFromGroup: addon.removeFromReceiveGroup,
  };
}

/**
 * The native core's fan-out: on with the native backend unless CONFAB_NATIVE_FANOUT=0 (9-13 % less
 * CPU per forwarded packet at 256 subscribers, docs/benchmarks.md); off with the TypeScript
 * backend, where =1 is an error.
 */
export function nativeRtpFanout(): NativeRtpFanout | null {
  const setting = process.env[NATIVE_FANOUT_ENV] ?? '';
  if (setting !== '' && setting !== '0' && setting !== '1') throw new Error(`${NATIVE_FANOUT_ENV}=${setting}: expected '1' or '0'`);
  if (setting === '0') return null;
  if (srtpBackend() !== 'native') {
    if (setting === '1') throw new Error(`${NATIVE_FANOUT_ENV}=1 needs the native core (${srtpNativeLoadError() ?? `backend ${srtpBackend()}`})`);
    return null;
  }
  return requireNative().fanoutRtp;
}

/** The native fan-out's registry of send states, with the fan-out (nativeRtpFanout) or not at all. */
export function nativeSendStates(): NativeSendStates | null {
  if (nativeRtpFanout() === null) return null;
  const addon = requireNative();
  return { register: addon.registerSendState, unregister: addon.unregisterSendState };
}

export function createPacketCipher(backend: SrtpBackend, profile: SrtpProfile, keys: SessionKeys): PacketCipher {
  if (backend === 'native') return new NativeCipher(requireNative(), profile, keys);
  return profile === 'AEAD_AES_128_GCM' ? new TsGcmCipher(keys) : new TsCmCipher(keys);
}

function requireNative() {
  const { addon, error } = loadNativeAddon();
  if (addon === null) throw new Error(`@confab/srtp: the native backend is required but unavailable: ${error}`);
  return addon;
}

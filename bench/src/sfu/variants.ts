/**
 * The media engines the bench compares, as the server selects them (environment variables).
 * A variant the code base does not have yet is reported as skipped, with the reason.
 */
export interface EngineVariant {
  name: string;
  env: Record<string, string>;
  /** The publisher sends a rid simulcast camera (q, h, f with f at --bitrate) instead of one stream. */
  simulcast?: boolean;
}

/** Server limits out of the way: every bench participant comes from 127.0.0.1, and a room holds them all. */
export const BENCH_SERVER_ENV: Record<string, string> = { CONFAB_MAX_CONNECTIONS_PER_IP: '0', CONFAB_MAX_PARTICIPANTS_PER_ROOM: '10000' };

export const ENGINE_VARIANTS: readonly EngineVariant[] = [
  { name: 'werift', env: { CONFAB_MEDIA_ENGINE: 'werift' } },
  { name: 'sfu-native', env: { CONFAB_MEDIA_ENGINE: 'sfu', CONFAB_SRTP_BACKEND: 'native' } },
  // sfu-native with the socket read by Node's dgram (JavaScript arrival stamps) instead of recvmmsg.
  { name: 'sfu-native-dgram', env: { CONFAB_MEDIA_ENGINE: 'sfu', CONFAB_SRTP_BACKEND: 'native', CONFAB_UDP_RECEIVE: 'dgram' } },
  { name: 'sfu-ts', env: { CONFAB_MEDIA_ENGINE: 'sfu', CONFAB_SRTP_BACKEND: 'ts' } },
  // The same engine with simulcast publishers: three layers in, the one each subscriber takes out.
  { name: 'sfu-native-simulcast', env: { CONFAB_MEDIA_ENGINE: 'sfu', CONFAB_SRTP_BACKEND: 'native' }, simulcast: true },
];

/**
 * Why a variant cannot run here, found before starting a server for it; null if nothing is known
 * against it (the server may still refuse it: that is reported too). The native SRTP core is
 * built at `npm install` and may be missing on a machine without a compiler.
 */
export async function knownUnavailable(variant: EngineVariant): Promise<string | null> {
  if (variant.env.CONFAB_SRTP_BACKEND !== 'native') return null;
  const srtp = (await import('@confab/srtp').catch(() => ({}))) as { srtpNativeLoadError?: () => string | null };
  if (typeof srtp.srtpNativeLoadError !== 'function') return '@confab/srtp has no native backend yet';
  const error = srtp.srtpNativeLoadError();
  return error === null ? null : `native SRTP core not loadable: ${error}`;
}

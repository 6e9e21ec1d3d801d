import type { BenchTarget } from './BenchTarget';
import { ConfabTarget, type SubscriberEngine } from './ConfabTarget';
import { janusUnavailable } from './janus/JanusProcess';
import { JanusTarget } from './janus/JanusTarget';

/**
 * The servers the bench compares: our media engine in its variants (selected by environment
 * variables), and Janus. A variant that cannot run here is reported as skipped, with the reason.
 */
export interface EngineVariant {
  name: string;
  /** Our server's settings for this variant (none for Janus). */
  env: Record<string, string>;
  /** The publisher sends a rid simulcast camera (q, h, f with f at --bitrate) instead of one stream. */
  simulcast?: boolean;
  /** Janus VideoRoom (Debian's `janus`) instead of our server, with this many static event loops (janusConfig.ts). */
  janus?: { eventLoops: 0 | 1 };
  /** --paired sets this variant against the one named here, in the same windows. */
  pairedWith?: string;
  /** Our server from another checkout (another commit) instead of this one: --against. */
  root?: string;
  /** Its lean subscribers read their sockets on this clock (LeanGeneratorOptions.receiveClockMs). */
  generatorClockMs?: number;
}

/** The variant every other one is set against in the summary: our default engine. */
export const OURS = 'sfu-native';
export const JANUS = 'janus';

export const ENGINE_VARIANTS: readonly EngineVariant[] = [
  { name: OURS, env: { CONFAB_SRTP_BACKEND: 'native' } },
  // sfu-native with the socket read by Node's dgram (JavaScript arrival stamps) instead of recvmmsg.
  { name: 'sfu-native-dgram', env: { CONFAB_SRTP_BACKEND: 'native', CONFAB_UDP_RECEIVE: 'dgram' } },
  { name: 'sfu-ts', env: { CONFAB_SRTP_BACKEND: 'ts' } },
  // sfu-native with every copy made by the TypeScript path instead of the native fan-out (the default).
  { name: 'sfu-native-js-fanout', env: { CONFAB_SRTP_BACKEND: 'native', CONFAB_NATIVE_FANOUT: '0' }, pairedWith: OURS },
  // sfu-native with CONFAB_HEARTBEAT=server: the server keeps the signaling heartbeat, the subscribers send no pings.
  { name: 'sfu-native-server-heartbeat', env: { CONFAB_SRTP_BACKEND: 'native', CONFAB_HEARTBEAT: 'server' }, pairedWith: OURS },
  // sfu-native with a load generator that reads its sockets every 1 ms instead of being woken by each datagram.
  { name: 'sfu-native-generator-clock', env: { CONFAB_SRTP_BACKEND: 'native' }, pairedWith: OURS, generatorClockMs: 1 },
  // The same engine with simulcast publishers: three layers in, the one each subscriber takes out.
  { name: 'sfu-native-simulcast', env: { CONFAB_SRTP_BACKEND: 'native' }, simulcast: true },
  // All media on one thread, as ours runs on one media worker: the like-for-like comparison.
  { name: JANUS, env: {}, janus: { eventLoops: 1 } },
  // Janus as installed: a loop thread per handle.
  { name: 'janus-thread-per-handle', env: {}, janus: { eventLoops: 0 } },
];

/**
 * `sfu-native` as another checkout has it (`--against <dir>`), paired with this checkout's: two
 * commits in the same windows, so that a change is measured against the same machine minute (the
 * same code measured 15-40 % apart on different hours of one day here).
 */
export function againstVariant(root: string): EngineVariant {
  return { name: `${OURS}-against`, env: { CONFAB_SRTP_BACKEND: 'native' }, pairedWith: OURS, root };
}

/**
 * Starts the server `variant` runs on; `mediaWorkers` and `subscribers` apply to ours (Janus runs
 * one event loop, janusConfig.ts, and has subscribers of its own protocol).
 */
export function startTarget(variant: EngineVariant, mediaWorkers: number, subscribers: SubscriberEngine): Promise<BenchTarget> {
  const generator = variant.generatorClockMs !== undefined && subscribers.kind === 'lean' ? { ...subscribers, receiveClockMs: variant.generatorClockMs } : subscribers;
  return variant.janus ? JanusTarget.start(variant.janus.eventLoops) : ConfabTarget.start({ ...variant.env, CONFAB_MEDIA_WORKERS: String(mediaWorkers) }, generator, variant.root);
}

/**
 * Why a variant cannot run here, found before starting a server for it; null if nothing is known
 * against it (the server may still refuse it: that is reported too). The native SRTP core is
 * built at `npm install` and may be missing on a machine without a compiler; Janus is a Debian
 * package the bench does not install.
 */
export async function knownUnavailable(variant: EngineVariant): Promise<string | null> {
  if (variant.janus) return janusUnavailable();
  if (variant.env.CONFAB_SRTP_BACKEND !== 'native') return null;
  const srtp = (await import('@confab/srtp').catch(() => ({}))) as { srtpNativeLoadError?: () => string | null };
  if (typeof srtp.srtpNativeLoadError !== 'function') return '@confab/srtp has no native backend yet';
  const error = srtp.srtpNativeLoadError();
  return error === null ? null : `native SRTP core not loadable: ${error}`;
}

import { createPacketCipher, srtpBackend } from './backend';
import { deriveSessionKeys } from './keyDerivation';
import type { SrtpBackend } from './packetCipher';
import { SRTP_PROFILES, type SrtpProfile } from './profiles';
import { SrtpSession } from './SrtpSession';

export interface SrtpSessionOptions {
  readonly profile: SrtpProfile;
  /** Our master key and salt (we protect with them). */
  readonly localKey: Uint8Array;
  readonly localSalt: Uint8Array;
  /** The peer's master key and salt (we unprotect with them). */
  readonly remoteKey: Uint8Array;
  readonly remoteSalt: Uint8Array;
  /** Default: srtpBackend(). 'native' throws when the core is unavailable. */
  readonly backend?: SrtpBackend;
  /** Packets per inbound replay window; default 1024 (what WebRTC's libsrtp uses for video). */
  readonly replayWindow?: number;
  /** SSRCs remembered per kind (RTP, RTCP) and direction; default 1024. Memory grows with the SSRCs actually seen. */
  readonly maxStreams?: number;
}

export const DEFAULT_REPLAY_WINDOW = 1024;
export const DEFAULT_MAX_STREAMS = 1024;

/** A session keyed from DTLS-SRTP master keys (see splitDtlsSrtpKeyingMaterial). Throws on bad keys. */
export function createSrtpSession(options: SrtpSessionOptions): SrtpSession {
  const { profile } = options;
  if (!(profile in SRTP_PROFILES)) throw new RangeError(`unknown SRTP profile ${String(profile)}`);
  const backend = options.backend ?? srtpBackend();
  const local = createPacketCipher(backend, profile, deriveSessionKeys(profile, options.localKey, options.localSalt));
  const remote = createPacketCipher(backend, profile, deriveSessionKeys(profile, options.remoteKey, options.remoteSalt));
  return new SrtpSession(profile, backend, local, remote, {
    replayWindow: options.replayWindow ?? DEFAULT_REPLAY_WINDOW,
    maxStreams: options.maxStreams ?? DEFAULT_MAX_STREAMS,
  });
}

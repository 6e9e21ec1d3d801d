import type { RTCPeerConnectionConfig } from 'werift';
import type { MediaLogger } from './logger';
import type { MediaCounters } from './MediaCounters';
import type { TransportRole } from './types';

/** What the engine shares with everything it creates. */
export interface EngineContext {
  readonly logger: MediaLogger;
  readonly counters: MediaCounters;
  /** REMB sent to publishers, per video track, in bits per second. */
  readonly rembBitrate: number;
  /** A peer connection config for one transport; `release` once its sockets are closed. */
  peerConfig(role: TransportRole): { config: RTCPeerConnectionConfig; release: () => void };
  /** Registers a transport's asynchronous shutdown so engine.close() can wait for it. */
  trackShutdown(done: Promise<void>): void;
}

import type { RTCPeerConnectionConfig } from 'werift';
import { peerCodecs } from './codecs';
import type { EngineContext } from './EngineContext';
import { MediaError } from './errors';
import { silentLogger, type MediaLogger } from './logger';
import { MediaCounters } from './MediaCounters';
import { PortBlocks, extraHostAddresses, socketsPerTransport } from './network';
import { RouterTable } from './RouterTable';
import type { MediaEngine, MediaEngineStats, Router, TransportRole } from './types';
import { WeriftRouter } from './WeriftRouter';

export interface WeriftEngineOptions {
  /** UDP port range for ICE (both or neither). Unset: the kernel picks ephemeral ports. */
  rtcMinPort?: number;
  rtcMaxPort?: number;
  /** Extra host-candidate addresses to announce, e.g. a public IP in front of 1:1 NAT. */
  announcedAddresses?: string[];
  /** Announce 127.0.0.1 too. Default: only when the host has no other IPv4 address (tests, `unshare -n`). */
  includeLoopback?: boolean;
  /** REMB cap sent to publishers per video track, bits per second (0 disables). Default 2.5 Mbps. */
  rembBitrate?: number;
  logger?: MediaLogger;
}

/** The step-1 media plane: every transport is a werift RTCPeerConnection. */
export function createWeriftEngine(options: WeriftEngineOptions = {}): MediaEngine {
  return new WeriftEngine(options);
}

class WeriftEngine implements MediaEngine {
  private readonly routers = new RouterTable<WeriftRouter>();
  private readonly counters = new MediaCounters();
  private readonly shutdowns = new Set<Promise<void>>();
  private readonly hostAddresses: string[];
  private readonly ports: PortBlocks | undefined;
  private readonly ctx: EngineContext;

  constructor(options: WeriftEngineOptions) {
    const logger = options.logger ?? silentLogger;
    this.hostAddresses = extraHostAddresses(options.announcedAddresses ?? [], options.includeLoopback);
    const { rtcMinPort: min, rtcMaxPort: max } = options;
    if ((min === undefined) !== (max === undefined)) throw MediaError.invalidArgument('rtcMinPort and rtcMaxPort go together');
    this.ports = min !== undefined && max !== undefined ? new PortBlocks(min, max, Math.max(1, socketsPerTransport(this.hostAddresses))) : undefined;
    this.ctx = {
      logger,
      counters: this.counters,
      rembBitrate: options.rembBitrate ?? 2_500_000,
      peerConfig: (role) => this.peerConfig(role),
      trackShutdown: (done) => {
        this.shutdowns.add(done);
        void done.finally(() => this.shutdowns.delete(done));
      },
    };
    logger.info({ hostAddresses: this.hostAddresses, portSlices: this.ports?.available }, 'werift media engine ready');
  }

  createRouter(id: string): Router {
    return this.routers.create(id, (routerId, onClose) => new WeriftRouter(routerId, this.ctx, onClose));
  }

  stats(): MediaEngineStats {
    return this.counters.snapshot();
  }

  /** Closes every router and resolves once every peer connection has released its sockets. */
  async close(): Promise<void> {
    this.routers.closeAll();
    while (this.shutdowns.size > 0) await Promise.allSettled([...this.shutdowns]);
  }

  private peerConfig(role: TransportRole): { config: RTCPeerConnectionConfig; release: () => void } {
    const block = this.ports?.acquire();
    const config: RTCPeerConnectionConfig = {
      ...peerCodecs(role),
      // One ICE/DTLS transport for all m-lines: werift's default opens (and leaks) a socket per m-line.
      bundlePolicy: 'max-bundle',
      // Host candidates only: the server is the reachable side, and STUN lookups would slow every join.
      iceServers: [],
      iceAdditionalHostAddresses: this.hostAddresses,
      icePortRange: block,
    };
    let released = false;
    return {
      config,
      release: () => {
        if (block && !released) this.ports?.release(block);
        released = true;
      },
    };
  }
}

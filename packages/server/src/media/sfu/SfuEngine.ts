import { nativeRtpFanout, nativeSendStates, nativeUdpBatchSend, nativeUdpReceive, srtpBackend } from '@confab/srtp';
import { silentLogger, type MediaLogger } from '../logger';
import { MediaCounters } from '../MediaCounters';
import { RouterTable } from '../RouterTable';
import type { MediaEngine, MediaEngineStats, Router, RouterOptions } from '../types';
import { WorkerNetwork } from './net/index';
import { PacketSlots } from './PacketSlots';
import { TICK_MS, type SfuContext } from './SfuContext';
import { SfuRouter } from './SfuRouter';
import { SsrcAllocator } from './SsrcAllocator';
import { Ticker } from './Ticker';

export interface SfuEngineOptions {
  /** UDP port for all media (CONFAB_RTC_PORT); default 0, any free port. */
  udpPort?: number;
  /** ICE-TCP port (CONFAB_RTC_TCP_PORT); default 0, any free port; null: no ICE-TCP. */
  tcpPort?: number | null;
  /** Default '0.0.0.0'. */
  bindAddress?: string;
  /** Addresses our candidates carry (CONFAB_PUBLIC_IP); default the interfaces' IPv4 addresses. */
  announcedAddresses?: readonly string[];
  /** A transport with no ICE check from its client for this long closes. Default 30 s. */
  consentTimeoutMs?: number;
  logger?: MediaLogger;
  /** Where the packet counters are kept (MediaCounters.packets): a media worker's shared memory. Default: memory of its own. */
  packetCounters?: Float64Array;
}

/**
 * The step-2 media plane: our own packet path on one UDP port and one ICE-TCP port (one
 * WorkerNetwork), SRTP from @confab/srtp, RTP/RTCP from @confab/wire.
 */
export async function createSfuEngine(options: SfuEngineOptions = {}): Promise<MediaEngine> {
  const logger = options.logger ?? silentLogger;
  const network = await WorkerNetwork.open({
    bindAddress: options.bindAddress,
    udpPort: options.udpPort,
    tcpPort: options.tcpPort,
    announcedAddresses: options.announcedAddresses,
    consentTimeoutMs: options.consentTimeoutMs,
    logger,
  });
  const engine = new SfuEngine(network, logger, new MediaCounters(options.packetCounters));
  logger.info(
    {
      udpPort: network.udp.port,
      tcpPort: network.tcp?.port ?? null,
      candidates: network.candidates.map((c) => `${c.protocol} ${c.address}:${c.port}`),
      srtp: srtpBackend(),
      batchedSends: network.udp.batching,
      udpReceive: network.udp.receiveMode,
      nativeFanout: nativeRtpFanout() !== null,
    },
    'sfu media engine ready',
  );
  return engine;
}

class SfuEngine implements MediaEngine {
  private readonly routers = new RouterTable<SfuRouter>();
  private readonly ctx: SfuContext;

  constructor(
    private readonly network: WorkerNetwork,
    logger: MediaLogger,
    private readonly counters: MediaCounters,
  ) {
    const ticker = new Ticker(TICK_MS, logger);
    const slots = new PacketSlots();
    const sendBatch = nativeUdpBatchSend();
    if (sendBatch !== null) network.udp.enableBatching(sendBatch, slots);
    // Kernel arrival times for transport-cc; without the native core, dgram and JavaScript stamps.
    const receive = nativeUdpReceive();
    if (receive !== null) network.udp.enableKernelReceive(receive);
    this.ctx = { logger, counters: this.counters, network, slots, ssrcs: new SsrcAllocator(), ticker, fanout: nativeRtpFanout(), sendStates: nativeSendStates(), sendQueue: network.udp.sendQueue };
  }

  createRouter(id: string, options?: RouterOptions): Router {
    return this.routers.create(id, (routerId, onClose) => new SfuRouter(routerId, this.ctx, onClose, options));
  }

  stats(): MediaEngineStats {
    return this.counters.snapshot();
  }

  async close(): Promise<void> {
    this.routers.closeAll();
    await this.network.close();
  }
}

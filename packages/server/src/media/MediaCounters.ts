import type { MediaEngineStats } from './types';

/** Plain mutable numbers so the packet path only increments fields (no maps, no closures). */
export class MediaCounters {
  routers = 0;
  transports = 0;
  producers = 0;
  consumers = 0;
  rtpPacketsReceived = 0;
  rtpPacketsForwarded = 0;
  rtpBytesForwarded = 0;
  /** Video packets a pacer held back to spread them, and of those dropped (they waited too long). */
  pacerQueuedPackets = 0;
  pacerDroppedPackets = 0;

  snapshot(): MediaEngineStats {
    return {
      routers: this.routers,
      transports: this.transports,
      producers: this.producers,
      consumers: this.consumers,
      rtpPacketsReceived: this.rtpPacketsReceived,
      rtpPacketsForwarded: this.rtpPacketsForwarded,
      rtpBytesForwarded: this.rtpBytesForwarded,
      pacerQueuedPackets: this.pacerQueuedPackets,
      pacerDroppedPackets: this.pacerDroppedPackets,
    };
  }
}

import type { MediaEngineStats } from './types';

/** The packet counters, in the order they sit in memory (one Float64 each). */
export const PACKET_COUNTERS = ['rtpPacketsReceived', 'rtpPacketsForwarded', 'rtpBytesForwarded', 'pacerQueuedPackets', 'pacerDroppedPackets'] as const;
export type PacketCounters = Record<(typeof PACKET_COUNTERS)[number], number>;

// Each counter's place in `packets`, from the one list of the layout that SharedStats reads too.
const RECEIVED = PACKET_COUNTERS.indexOf('rtpPacketsReceived');
const FORWARDED = PACKET_COUNTERS.indexOf('rtpPacketsForwarded');
const BYTES_FORWARDED = PACKET_COUNTERS.indexOf('rtpBytesForwarded');
const PACER_QUEUED = PACKET_COUNTERS.indexOf('pacerQueuedPackets');
const PACER_DROPPED = PACKET_COUNTERS.indexOf('pacerDroppedPackets');

/**
 * An engine's counters. The packet path only increments numbers (no maps, no closures); the packet
 * counters live in `packets`, which a media worker places in memory the main thread reads
 * (SharedStats), so nobody has to copy them there on a timer.
 */
export class MediaCounters {
  routers = 0;
  transports = 0;
  producers = 0;
  consumers = 0;

  constructor(readonly packets: Float64Array<ArrayBufferLike> = new Float64Array(PACKET_COUNTERS.length)) {
    if (packets.length !== PACKET_COUNTERS.length) throw new RangeError('packet counters have the wrong size');
  }

  get rtpPacketsReceived(): number {
    return this.packets[RECEIVED]!;
  }
  set rtpPacketsReceived(value: number) {
    this.packets[RECEIVED] = value;
  }
  get rtpPacketsForwarded(): number {
    return this.packets[FORWARDED]!;
  }
  set rtpPacketsForwarded(value: number) {
    this.packets[FORWARDED] = value;
  }
  get rtpBytesForwarded(): number {
    return this.packets[BYTES_FORWARDED]!;
  }
  set rtpBytesForwarded(value: number) {
    this.packets[BYTES_FORWARDED] = value;
  }
  /** Video packets a pacer held back to spread them, and of those dropped (they waited too long). */
  get pacerQueuedPackets(): number {
    return this.packets[PACER_QUEUED]!;
  }
  set pacerQueuedPackets(value: number) {
    this.packets[PACER_QUEUED] = value;
  }
  get pacerDroppedPackets(): number {
    return this.packets[PACER_DROPPED]!;
  }
  set pacerDroppedPackets(value: number) {
    this.packets[PACER_DROPPED] = value;
  }

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

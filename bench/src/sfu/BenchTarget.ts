import type { CpuTimes, RtpCount, UdpDrops } from '@confab/loadtest';

/** How a publisher thread reaches the server it publishes to. */
export type PublisherServer = { kind: 'confab'; url: string; room: string } | { kind: 'janus'; url: string; room: number };

/** What the bench reads of a subscriber: our HeadlessParticipant, or a Janus VideoRoom subscriber. */
export interface BenchSubscriber {
  readonly name: string;
  readonly errors: string[];
  join(): Promise<void>;
  /** Packets received so far on each track offered to it. */
  receivedPackets(): number[];
  stats(): { received: RtpCount[] };
  close(): Promise<void>;
}

/** The server's side of a snapshot. */
export interface ServerCounters {
  cpu: CpuTimes;
  /** RTP packets the server received and forwarded so far. */
  received: number;
  forwarded: number;
  /** Per media thread: CPU seconds, of which in the kernel, and packets forwarded (empty if unknown). */
  workerCpu: number[];
  workerCpuSystem: number[];
  workerForwarded: number[];
  /** Datagrams the kernel dropped so far at the server's UDP sockets, and at every other one of the namespace (udpDrops). */
  udpDrops: UdpDrops;
}

/** What a publisher thread tells a snapshot. */
export interface SendingPublisher {
  sentPackets(): number;
}

/**
 * A server under the bench's load, started for one measurement and stopped after: our server
 * (ConfabTarget) or Janus (JanusTarget). Both are measured the same way: process CPU from /proc,
 * per packet forwarded to the subscribers.
 */
export interface BenchTarget {
  /** Last lines of the server's output, for failure reports. */
  readonly output: string[];
  /** Makes room `name` ready and says where its publisher connects. */
  openRoom(name: string): Promise<PublisherServer>;
  /** A subscriber of room `room`'s publisher (`feed`: Janus's id for it). */
  subscriber(room: string, name: string, feed: number | undefined): BenchSubscriber;
  counters(publishers: readonly SendingPublisher[], subscribers: readonly BenchSubscriber[]): Promise<ServerCounters>;
  /** CPU seconds so far of each load-generator thread the subscribers run on, if they have their own (lean subscribers). */
  generatorThreadCpu?(): number[];
  rss(): number;
  stop(): Promise<void>;
}

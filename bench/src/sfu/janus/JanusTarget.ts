import { udpDrops } from '@confab/loadtest';
import type { BenchSubscriber, BenchTarget, PublisherServer, SendingPublisher, ServerCounters } from '../BenchTarget';
import { subscriberTotals } from '../measure';
import { JanusApi } from './JanusApi';
import { JanusProcess } from './JanusProcess';
import { JanusSubscriber } from './JanusSubscriber';

/**
 * Janus under the bench's load: one VideoRoom per bench room, created through the API. Janus has
 * no counters of ours, so the packets are counted at the ends: received = what the publishers sent
 * (loopback loses nothing on the way in), forwarded = what the subscribers' sequence numbers say
 * was sent to them (RtpCounter.expected: a packet lost on the way out still counts as forwarded,
 * as our server's counter does).
 */
export class JanusTarget implements BenchTarget {
  private readonly rooms = new Map<string, number>();
  private api: JanusApi | undefined;
  private handle = 0;

  private constructor(private readonly janus: JanusProcess) {}

  /** `eventLoops`: see JanusConfigOptions. */
  static async start(eventLoops: 0 | 1): Promise<JanusTarget> {
    return new JanusTarget(await JanusProcess.start(eventLoops));
  }

  get output(): string[] {
    return this.janus.output;
  }

  /** Creates a VideoRoom for one VP8 + Opus publisher, without a bitrate cap (our server caps none either). */
  async openRoom(name: string): Promise<PublisherServer> {
    if (!this.api) {
      this.api = await JanusApi.connect(this.janus.url);
      this.handle = await this.api.attachVideoRoom();
    }
    const room = this.rooms.size + 1;
    await this.api.message(this.handle, { request: 'create', room, description: name, publishers: 1, videocodec: 'vp8', audiocodec: 'opus', bitrate: 0 });
    this.rooms.set(name, room);
    return { kind: 'janus', url: this.janus.url, room };
  }

  subscriber(room: string, name: string, feed: number | undefined): BenchSubscriber {
    const id = this.rooms.get(room);
    if (id === undefined || feed === undefined) throw new Error(`janus: no room ${room} with a publisher`);
    return new JanusSubscriber(this.janus.url, id, feed, name);
  }

  counters(publishers: readonly SendingPublisher[], subscribers: readonly BenchSubscriber[]): Promise<ServerCounters> {
    const cpu = this.janus.cpu();
    const loop = this.janus.loopThreadCpu();
    const forwarded = subscriberTotals(subscribers).expected;
    return Promise.resolve({
      cpu,
      received: publishers.reduce((n, p) => n + p.sentPackets(), 0),
      forwarded,
      workerCpu: loop ? [loop.total] : [],
      workerCpuSystem: loop ? [loop.system] : [],
      workerForwarded: loop ? [forwarded] : [],
      udpDrops: udpDrops(this.janus.pid),
    });
  }

  rss(): number {
    return this.janus.rss();
  }

  async stop(): Promise<void> {
    this.api?.close();
    await this.janus.stop();
  }
}

import { waitUntil, withTimeout } from '@confab/loadtest';
import type { BenchSubscriber, BenchTarget } from './BenchTarget';
import { PublisherThread } from './PublisherThread';

const JOIN_TIMEOUT_MS = 60_000;
/** A new subscriber that carries no media after this is given up on (and replaced). */
const FIRST_MEDIA_TIMEOUT_MS = 20_000;

/**
 * One room of the bench on one server (ours or Janus): a publisher (VP8 camera, one stream or
 * simulcast, + Opus microphone, on a thread of its own) and a growing set of subscribers.
 */
export class BenchRoom {
  private sender: PublisherThread | null = null;
  /** Subscribers receiving both tracks. */
  readonly subscribers: BenchSubscriber[] = [];
  /**
   * Subscribers given up on because their connection never carried media (on a loaded 2-core
   * machine a headless peer's ICE/DTLS now and then fails); they are replaced, and counted here.
   */
  dropped = 0;
  private created = 0;

  constructor(
    private readonly target: BenchTarget,
    readonly name: string,
  ) {}

  /** The publisher, once publish() has started it. */
  get publisher(): PublisherThread {
    if (this.sender === null) throw new Error(`${this.name}: no publisher yet`);
    return this.sender;
  }

  async publish(bitrate: number, simulcast = false): Promise<void> {
    const server = await withTimeout(this.target.openRoom(this.name), JOIN_TIMEOUT_MS, `${this.name}: open room`);
    this.sender = await withTimeout(PublisherThread.start({ server, name: `${this.name}-publisher`, bitrate, simulcast }), JOIN_TIMEOUT_MS, `${this.name}: publisher join`);
  }

  /**
   * Adds subscribers (`concurrency` joining at a time) until `total` receive both tracks. Ones that
   * get no media are closed and replaced, up to a quarter of those asked for (at least 4); past
   * that it throws.
   */
  async grow(total: number, concurrency: number): Promise<void> {
    const budget = Math.max(4, Math.ceil((total - this.subscribers.length) / 4));
    let givenUp = 0;
    while (this.subscribers.length < total) {
      const added = Array.from({ length: total - this.subscribers.length }, () => this.target.subscriber(this.name, `${this.name}-sub-${++this.created}`, this.sender?.feed));
      await this.join(added, concurrency);
      await waitUntil(() => added.every(receiving), FIRST_MEDIA_TIMEOUT_MS, 'media').catch(() => undefined);
      const stuck = added.filter((s) => !receiving(s));
      this.subscribers.push(...added.filter(receiving));
      givenUp += stuck.length;
      this.dropped += stuck.length;
      await Promise.allSettled(stuck.map((s) => withTimeout(s.close(), 5_000, 'close')));
      if (givenUp > budget) {
        const example = stuck[0] ?? added[0];
        throw new Error(`${this.name}: ${givenUp} new subscribers got no media within ${FIRST_MEDIA_TIMEOUT_MS} ms\n  e.g. ${JSON.stringify(example?.stats())} ${JSON.stringify(example?.errors)}`);
      }
    }
  }

  errors(): string[] {
    const publisher = (this.sender?.errors ?? []).map((e) => `${this.name}-publisher: ${e}`);
    return [...publisher, ...this.subscribers.flatMap((p) => p.errors.map((e) => `${p.name}: ${e}`))];
  }

  async close(): Promise<void> {
    await Promise.allSettled([this.sender, ...this.subscribers].map((p) => (p === null ? undefined : withTimeout(p.close(), 5_000, 'close'))));
  }

  /**
   * Joins `participants`, `concurrency` at a time, each until its media flows (its ICE and DTLS are
   * done), so no more than `concurrency` handshakes share the generator with the packets of those
   * already in: 256 at once kept a generator thread that fed 1,568 busy past the server's 4 s
   * heartbeat timeout, and the server dropped nearly everyone. One whose join fails just gets no media.
   */
  private async join(participants: BenchSubscriber[], concurrency: number): Promise<void> {
    let next = 0;
    const joiner = async () => {
      while (next < participants.length) {
        const participant = participants[next++]!;
        const joined = await withTimeout(participant.join(), JOIN_TIMEOUT_MS, `${participant.name} join`).then(
          () => true,
          () => false,
        );
        if (joined) await waitUntil(() => receiving(participant), FIRST_MEDIA_TIMEOUT_MS, 'media').catch(() => undefined);
      }
    };
    await Promise.all(Array.from({ length: concurrency }, joiner));
  }
}

function receiving(subscriber: BenchSubscriber): boolean {
  const packets = subscriber.receivedPackets();
  return packets.length === 2 && packets.every((p) => p > 0);
}

import { HeadlessParticipant, waitUntil, withTimeout } from '@confab/loadtest';

const JOIN_TIMEOUT_MS = 60_000;
const FIRST_MEDIA_TIMEOUT_MS = 60_000;

/** One room of the bench: a publisher (VP8 camera + Opus microphone) and a growing set of subscribers. */
export class BenchRoom {
  readonly publisher: HeadlessParticipant;
  readonly subscribers: HeadlessParticipant[] = [];

  constructor(
    private readonly url: string,
    readonly name: string,
  ) {
    this.publisher = new HeadlessParticipant({ url, room: name, name: `${name}-publisher` });
  }

  async publish(bitrate: number): Promise<void> {
    await withTimeout(this.publisher.join(), JOIN_TIMEOUT_MS, `${this.name}: publisher join`);
    await this.publisher.publishMicrophone();
    await this.publisher.publishCamera({ bitrate });
  }

  /** Adds subscribers (`concurrency` joining at a time) up to `total`, and waits until every one receives both tracks. */
  async grow(total: number, concurrency: number): Promise<void> {
    const added: HeadlessParticipant[] = [];
    while (this.subscribers.length < total) {
      const subscriber = new HeadlessParticipant({ url: this.url, room: this.name, name: `${this.name}-sub-${this.subscribers.length + 1}` });
      this.subscribers.push(subscriber);
      added.push(subscriber);
    }
    let next = 0;
    const joiner = async () => {
      while (next < added.length) await added[next++]!.join();
    };
    await withTimeout(Promise.all(Array.from({ length: concurrency }, joiner)), JOIN_TIMEOUT_MS, `${this.name}: ${added.length} subscribers join`);
    await waitUntil(() => this.subscribers.every(receiving), FIRST_MEDIA_TIMEOUT_MS, `${this.name}: every subscriber receiving both tracks`, 100).catch(
      (error: Error) => {
        const stuck = this.subscribers.find((s) => !receiving(s));
        throw new Error(`${error.message}\n  e.g. ${JSON.stringify(stuck?.stats())}\n  publisher ${JSON.stringify(this.publisher.stats())}`);
      },
    );
  }

  errors(): string[] {
    return [this.publisher, ...this.subscribers].flatMap((p) => p.errors.map((e) => `${p.name}: ${e}`));
  }

  async close(): Promise<void> {
    await Promise.allSettled([this.publisher, ...this.subscribers].map((p) => withTimeout(p.close(), 5_000, 'close')));
  }
}

function receiving(subscriber: HeadlessParticipant): boolean {
  const packets = subscriber.receivedPackets();
  return packets.length === 2 && packets.every((p) => p > 0);
}

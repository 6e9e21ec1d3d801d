import { Worker } from 'node:worker_threads';
import type { PublisherServer } from './BenchTarget';

/** What a publisher thread is started with. */
export interface PublisherThreadData {
  server: PublisherServer;
  name: string;
  bitrate: number;
  simulcast: boolean;
  /** One Float64: packets sent so far, written by the thread. */
  sent: SharedArrayBuffer;
}

const WORKER_SCRIPT = new URL('./publisherWorker.ts', import.meta.url);

/** `feed`: the publisher's id on Janus (its subscribers ask for it). */
export type PublisherThreadMessage = { type: 'ready'; feed?: number } | { type: 'failed'; error: string } | { type: 'error'; error: string } | { type: 'closed' };

/**
 * The bench room's publisher, on a worker thread of its own. Beside 32 werift subscribers (which
 * decrypt and count every packet in JavaScript), the load generator's one thread stalled long
 * enough for the publisher's media clocks to skip frames: the ramp stopped at N = 32 with
 * "publisher starved" on a busy machine, the server measured on less input than it should have
 * had. On its own thread the publisher keeps its rate whatever the subscribers cost.
 */
export class PublisherThread {
  readonly errors: string[] = [];
  /** Janus's id for this publisher, once ready. */
  feed: number | undefined;
  private readonly sent: Float64Array;
  private closed: Promise<void> | null = null;

  private constructor(
    private readonly worker: Worker,
    buffer: SharedArrayBuffer,
  ) {
    this.sent = new Float64Array(buffer);
    worker.on('message', (message: PublisherThreadMessage) => {
      if (message.type === 'error') this.errors.push(message.error);
    });
  }

  /** Joins `room` and publishes a microphone and a camera (simulcast or not) at `bitrate`; resolves once sending. */
  static start(data: Omit<PublisherThreadData, 'sent'>): Promise<PublisherThread> {
    const buffer = new SharedArrayBuffer(Float64Array.BYTES_PER_ELEMENT);
    // The bench runs from TypeScript: the thread registers tsx first, as the server's media workers do.
    const tsx = import.meta.resolve('tsx/esm/api');
    const boot = `import(${JSON.stringify(tsx)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(WORKER_SCRIPT.href)}); });`;
    const worker = new Worker(boot, { eval: true, workerData: { ...data, sent: buffer } satisfies PublisherThreadData });
    const thread = new PublisherThread(worker, buffer);
    return new Promise((resolve, reject) => {
      const fail = (error: Error) => {
        void worker.terminate();
        reject(error);
      };
      worker.on('error', fail);
      worker.on('message', (message: PublisherThreadMessage) => {
        if (message.type === 'ready') {
          thread.feed = message.feed;
          resolve(thread);
        }
        else if (message.type === 'failed') fail(new Error(`${data.name}: ${message.error}`));
      });
    });
  }

  /** Packets sent so far (all tracks), as of at most 20 ms ago. */
  sentPackets(): number {
    return this.sent[0]!;
  }

  /** Leaves the room and ends the thread. */
  close(): Promise<void> {
    this.closed ??= new Promise<void>((resolve) => {
      const done = () => void this.worker.terminate().then(() => resolve());
      const timer = setTimeout(done, 5_000);
      this.worker.on('message', (message: PublisherThreadMessage) => {
        if (message.type !== 'closed') return;
        clearTimeout(timer);
        done();
      });
      this.worker.postMessage('close');
    });
    return this.closed;
  }
}

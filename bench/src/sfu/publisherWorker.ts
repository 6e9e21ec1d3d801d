/**
 * The body of a PublisherThread: one headless publisher (Opus microphone, VP8 camera) on a thread
 * of its own, on our server or on Janus. It reports the packets it has sent through a shared
 * counter, its errors as messages, and closes when told.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { HeadlessParticipant } from '@confab/loadtest';
import type { PublisherServer } from './BenchTarget';
import { JanusPublisher } from './janus/JanusPublisher';
import type { PublisherThreadData, PublisherThreadMessage } from './PublisherThread';

/** How often the shared packet counter is brought up to date (a snapshot is at most this stale). */
const COUNT_INTERVAL_MS = 20;

/** One publisher, whichever server it speaks to. */
interface Publisher {
  readonly errors: string[];
  /** Joins, publishes both tracks, starts sending; resolves with Janus's feed id (undefined on ours). */
  start(): Promise<number | undefined>;
  sentPackets(): number;
  close(): Promise<void>;
}

function confabPublisher(server: Extract<PublisherServer, { kind: 'confab' }>): Publisher {
  const participant = new HeadlessParticipant({ url: server.url, room: server.room, name: data.name });
  return {
    errors: participant.errors,
    async start() {
      await participant.join();
      await participant.publishMicrophone();
      await participant.publishCamera({ bitrate: data.bitrate, simulcast: data.simulcast });
      return undefined;
    },
    sentPackets: () => participant.stats().sent.reduce((n, t) => n + t.packets, 0),
    close: () => participant.close(),
  };
}

function janusPublisher(server: Extract<PublisherServer, { kind: 'janus' }>): Publisher {
  if (data.simulcast) throw new Error('janus: the bench publishes one stream there');
  const publisher = new JanusPublisher(server.url, server.room, data.name, data.bitrate);
  return {
    errors: publisher.errors,
    async start() {
      await publisher.publish();
      return publisher.feed;
    },
    sentPackets: () => publisher.sentPackets(),
    close: () => publisher.close(),
  };
}

const data = workerData as PublisherThreadData;
const port = parentPort!;
const sent = new Float64Array(data.sent);
const post = (message: PublisherThreadMessage) => port.postMessage(message);
const publisher = data.server.kind === 'janus' ? janusPublisher(data.server) : confabPublisher(data.server);
const count = () => {
  sent[0] = publisher.sentPackets();
};
const timer = setInterval(count, COUNT_INTERVAL_MS);
let reported = 0;
const errors = setInterval(() => {
  for (; reported < publisher.errors.length; reported++) post({ type: 'error', error: publisher.errors[reported]! });
}, 200);

port.on('message', (message: 'close') => {
  if (message !== 'close') return;
  clearInterval(timer);
  clearInterval(errors);
  void publisher.close().finally(() => post({ type: 'closed' }));
});

try {
  const feed = await publisher.start();
  count();
  post({ type: 'ready', ...(feed === undefined ? {} : { feed }) });
} catch (error) {
  post({ type: 'failed', error: error instanceof Error ? error.message : String(error) });
}

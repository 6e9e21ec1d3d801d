/**
 * The body of a PublisherThread: one headless publisher (Opus microphone, VP8 camera) on a thread
 * of its own. It reports the packets it has sent through a shared counter, its errors as
 * messages, and closes when told.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { HeadlessParticipant } from '@confab/loadtest';
import type { PublisherThreadData, PublisherThreadMessage } from './PublisherThread';

/** How often the shared packet counter is brought up to date (a snapshot is at most this stale). */
const COUNT_INTERVAL_MS = 20;

const data = workerData as PublisherThreadData;
const port = parentPort!;
const sent = new Float64Array(data.sent);
const post = (message: PublisherThreadMessage) => port.postMessage(message);
const publisher = new HeadlessParticipant({ url: data.url, room: data.room, name: data.name });
const count = () => {
  sent[0] = publisher.stats().sent.reduce((n, t) => n + t.packets, 0);
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
  await publisher.join();
  await publisher.publishMicrophone();
  await publisher.publishCamera({ bitrate: data.bitrate, simulcast: data.simulcast });
  count();
  post({ type: 'ready' });
} catch (error) {
  post({ type: 'failed', error: error instanceof Error ? error.message : String(error) });
}

/**
 * The body of one LeanGenerator thread: lean subscribers joined and closed on request, their
 * counters in the shared memory, one ticker for all their feedback and reports.
 */
import { readlinkSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { nativeUdpBatchSend, nativeUdpReceive } from '@confab/srtp';
import { generatorCertificate } from './DtlsClientHandshake';
import { LeanSubscriber } from './LeanSubscriber';
import { ReceiveArea } from './ReceiveArea';
import type { LeanWorkerData, LeanWorkerReply, LeanWorkerRequest } from './LeanGenerator';

/** transport-cc feedback this often (Chromium: every 50-100 ms), receiver reports every REPORT_TICKS. */
const FEEDBACK_MS = 100;
const REPORT_TICKS = 10;
/**
 * The subscribers take turns in this many phases of the feedback interval, as browsers' own timers
 * fall: all of a thread's subscribers at once sent the server 1,440 feedback packets in one burst
 * every 100 ms (2,880 with the reports), more than its 4 MB receive buffer holds at ~2.3 kB of
 * kernel memory each, and the ramp ended on those drops (bench:sfu, udpDropsAtServer).
 */
const PHASES = 10;

const port = parentPort!;
const data = workerData as LeanWorkerData;
const counters = new Float64Array(data.counters);
const receive = nativeUdpReceive();
const sendBatch = nativeUdpBatchSend();
if (receive === null || sendBatch === null) throw new Error('lean subscribers need the native core (recvmmsg, sendmmsg): build @confab/srtp');
const area = new ReceiveArea(receive, sendBatch, data.receiveClockMs);
const certificate = await generatorCertificate();
const subscribers = new Map<number, LeanSubscriber>();
/** The subscribers of each phase: the thread's joins in turn. */
const phases = Array.from({ length: PHASES }, () => new Set<LeanSubscriber>());
let joins = 0;

const reply = (message: LeanWorkerReply) => port.postMessage(message);

let ticks = 0;
const ticker = setInterval(() => {
  const phase = ticks % PHASES;
  // A subscriber reports every REPORT_TICKS of its turns; the phases report in different turns, too.
  const report = (Math.floor(ticks / PHASES) + phase) % REPORT_TICKS === 0;
  ticks++;
  const now = Number(process.hrtime.bigint()) / 1e6; // CLOCK_MONOTONIC, as the kernel's arrival stamps
  for (const subscriber of phases[phase]!) {
    const path = subscriber.path;
    if (path === null) continue;
    path.sendFeedback();
    if (report) path.sendReport(now);
  }
}, FEEDBACK_MS / PHASES);

port.on('message', (request: LeanWorkerRequest) => {
  switch (request.type) {
    case 'join': {
      const subscriber = new LeanSubscriber({
        ...request,
        hostAddress: data.hostAddress,
        certificate,
        area,
        counters,
        onError: (message) => reply({ type: 'error', slot: request.slot, message }),
      });
      subscribers.set(request.slot, subscriber);
      phases[joins++ % PHASES]!.add(subscriber);
      subscriber.join().then(
        () => reply({ type: 'joined', slot: request.slot }),
        (error: unknown) => reply({ type: 'joinFailed', slot: request.slot, message: (error as Error).message }),
      );
      break;
    }
    case 'close': {
      const subscriber = subscribers.get(request.slot);
      subscribers.delete(request.slot);
      if (subscriber !== undefined) for (const phase of phases) phase.delete(subscriber);
      void (subscriber?.close() ?? Promise.resolve()).finally(() => reply({ type: 'closed', slot: request.slot }));
      break;
    }
    case 'stop':
      clearInterval(ticker);
      void Promise.allSettled([...subscribers.values()].map((s) => s.close())).then(() => process.exit(0));
      break;
  }
});

// The thread's id, so the main thread can read this thread's CPU from /proc/self/task/<tid>.
reply({ type: 'ready', tid: Number(readlinkSync('/proc/thread-self').split('/').pop()) });

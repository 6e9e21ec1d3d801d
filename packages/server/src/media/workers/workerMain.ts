/**
 * A media worker thread: hosts one engine instance and runs the main thread's commands on it
 * (WorkerHost). Started by MediaWorker with WorkerData; see WorkerMediaEngine.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { createEngine, type EngineFactory } from './engines';
import { forwardingLogger } from './workerLogger';
import { threadId } from './threadCpu';
import { WorkerData } from './WorkerData';
import { WorkerHost } from './WorkerHost';
import type { WorkerEvent } from './protocol';

const port = parentPort;
if (!port) throw new Error('mediaWorker runs as a worker thread only');
const data = WorkerData.parse(workerData);
const send = (event: WorkerEvent) => port.postMessage(event);
const logger = forwardingLogger(data.logLevel, send);

// Commands that arrive while the engine is being built wait, in order. Each message is a batch.
const early: unknown[] = [];
let host: WorkerHost | undefined;
port.on('message', (raw: unknown) => (host ? host.receiveBatch(raw) : early.push(raw)));

const factory = data.engineModule ? await importFactory(data.engineModule) : createEngine;
// The engine counts packets straight into memory the main thread reads (SharedStats), and the main
// thread reads this thread's CPU time from /proc: an idle worker has no timer of its own.
const packetCounters = new Float64Array(data.stats);
const engine = await factory({ settings: data.settings, slot: { index: data.slot, count: data.slots }, logger, packetCounters });

// From here on, like the main process, log promise rejections nobody handled instead of dying of
// them (before, a failing engine start must end the thread). An uncaught exception still ends the
// worker, and with it only its rooms' media.
process.on('unhandledRejection', (err) => logger.error({ err }, 'unhandled rejection in media worker'));

host = new WorkerHost(engine, send, logger);
send({ ev: 'ready', threadId: threadId() });
for (const raw of early.splice(0)) host.receiveBatch(raw);

async function importFactory(url: string): Promise<EngineFactory> {
  const module = (await import(url)) as { createWorkerEngine?: unknown };
  if (typeof module.createWorkerEngine !== 'function') throw new Error(`${url} does not export createWorkerEngine`);
  return module.createWorkerEngine as EngineFactory;
}

import { BroadcastChannel } from 'node:worker_threads';
import { createEngine, type EngineFactory } from '../../src/media/workers/engines';

/** How a test orders a media worker to die: the worker hosting the router of room `room` does. */
export interface MediaFault {
  /** A router id, or a room name (routers may be named `<room>#<n>`). */
  room: string;
  /** An uncaught exception (as a bug in the engine would throw), process.exit() in the worker, or an endless loop. */
  how: 'throw' | 'exit' | 'hang';
}

const CHANNEL = 'confab-test-media-faults';

/**
 * A media worker's engine for tests (WorkerMediaEngine `engineModule`): the real engine, plus a
 * fault on order. Nothing in production can reach this: the order comes over a BroadcastChannel
 * that only this module listens on.
 */
export const createWorkerEngine: EngineFactory = async (context) => {
  const engine = await createEngine(context);
  const routers = new Set<string>();
  const channel = new BroadcastChannel(CHANNEL);
  channel.unref();
  channel.onmessage = (event) => {
    const fault = (event as { data: MediaFault }).data;
    if (![...routers].some((id) => id === fault.room || id.startsWith(`${fault.room}#`))) return;
    if (fault.how === 'exit') process.exit(3);
    setImmediate(() => {
      if (fault.how === 'hang') for (;;);
      throw new Error(`injected crash in the media worker hosting ${fault.room}`);
    });
  };
  return {
    createRouter(id, options) {
      const router = engine.createRouter(id, options);
      routers.add(id);
      return {
        id,
        createTransport: (transportOptions) => router.createTransport(transportOptions),
        setActiveSpeaker: (label) => router.setActiveSpeaker(label),
        close: () => {
          routers.delete(id);
          router.close();
        },
      };
    },
    stats: () => engine.stats(),
    close: () => {
      channel.close();
      return engine.close();
    },
  };
};

/** Makes the worker that hosts `room` die, the way `how` says. */
export function crashMediaWorker(room: string, how: MediaFault['how'] = 'throw'): void {
  const channel = new BroadcastChannel(CHANNEL);
  channel.postMessage({ room, how } satisfies MediaFault);
  channel.close();
}

export const CRASHING_ENGINE = new URL(import.meta.url);

import { BroadcastChannel } from 'node:worker_threads';
import { createEngine, type EngineFactory } from '../../src/media/workers/engines';

/** How a test orders a media worker to die: the worker hosting router `router` does. */
export interface MediaFault {
  router: string;
  /** An uncaught exception (as a bug in the engine would throw), or process.exit() in the worker. */
  how: 'throw' | 'exit';
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
    if (!routers.has(fault.router)) return;
    if (fault.how === 'exit') process.exit(3);
    setImmediate(() => {
      throw new Error(`injected crash in the media worker hosting ${fault.router}`);
    });
  };
  return {
    createRouter(id, options) {
      const router = engine.createRouter(id, options);
      routers.add(id);
      return {
        id,
        createTransport: (transportOptions) => router.createTransport(transportOptions),
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

/** Makes the worker that hosts `router` die, the way `how` says. */
export function crashMediaWorker(router: string, how: MediaFault['how'] = 'throw'): void {
  const channel = new BroadcastChannel(CHANNEL);
  channel.postMessage({ router, how } satisfies MediaFault);
  channel.close();
}

export const CRASHING_ENGINE = new URL(import.meta.url);

import type { MediaLogger } from '../logger';
import type { MediaEngine } from '../types';
import { createEngine, type EngineSettings } from './engines';
import { WorkerMediaEngine } from './WorkerMediaEngine';
import type { LogLevel } from './workerLogger';

export interface MediaPlaneOptions {
  /** Media worker threads (CONFAB_MEDIA_WORKERS); 0 runs the engine in this thread. */
  workers: number;
  settings: EngineSettings;
  logger: MediaLogger;
  logLevel: LogLevel;
}

/** The node's media engine: on `workers` worker threads, or in the calling thread when 0. */
export async function createMediaPlane(options: MediaPlaneOptions): Promise<MediaEngine> {
  const { workers, settings, logger, logLevel } = options;
  if (workers === 0) return createEngine({ settings, slot: { index: 0, count: 1 }, logger });
  return WorkerMediaEngine.start({ workers, settings, logger, logLevel });
}

import * as z from 'zod';
import { EngineSettings } from './engines';
import { LOG_LEVELS } from './workerLogger';

/** What a media worker is started with (`workerData`), checked on arrival like every message. */
export const WorkerData = z.object({
  slot: z.number().int().nonnegative(),
  slots: z.number().int().positive(),
  settings: EngineSettings,
  logLevel: z.enum(LOG_LEVELS),
  /** Where the worker writes its counters (SharedStats). */
  stats: z.instanceof(SharedArrayBuffer),
  /** A module URL exporting `createWorkerEngine`, instead of the built-in engines (tests). */
  engineModule: z.string().nullable(),
});
export type WorkerData = z.infer<typeof WorkerData>;

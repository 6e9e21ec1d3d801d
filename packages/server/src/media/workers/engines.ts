import * as z from 'zod';
import { MediaError } from '../errors';
import type { MediaLogger } from '../logger';
import { createSfuEngine } from '../sfu/index';
import type { MediaEngine } from '../types';

/** What an engine is built from: plain data, so it can be handed to a worker thread. */
export const EngineSettings = z.object({
  /** The UDP and ICE-TCP ports of the first engine instance, the next ones take the next ports; 0 or unset: any free port. */
  rtcPort: z.number().int().min(0).max(65535).optional(),
  rtcTcpPort: z.number().int().min(0).max(65535).optional(),
  /** Extra ICE host-candidate addresses (CONFAB_PUBLIC_IP). */
  announcedAddresses: z.array(z.string()),
});
export type EngineSettings = z.infer<typeof EngineSettings>;

/** Which of the node's engine instances this is: one per media worker, or the only one (in-process). */
export interface EngineSlot {
  index: number;
  count: number;
}

export interface EngineContext {
  settings: EngineSettings;
  slot: EngineSlot;
  logger: MediaLogger;
  /** Where the engine keeps its packet counters (MediaCounters.packets): in a worker, memory the main thread reads. */
  packetCounters?: Float64Array;
}

/**
 * Builds one engine instance. A media worker calls this once; a module given to WorkerMediaEngine
 * as `engineModule` exports a function of this type named `createWorkerEngine` instead.
 */
export type EngineFactory = (context: EngineContext) => MediaEngine | Promise<MediaEngine>;

export const createEngine: EngineFactory = ({ settings, slot, logger, packetCounters }) =>
  createSfuEngine({
    udpPort: portOfSlot(settings.rtcPort, slot),
    tcpPort: portOfSlot(settings.rtcTcpPort, slot),
    announcedAddresses: settings.announcedAddresses,
    logger,
    ...(packetCounters ? { packetCounters } : {}),
  });

/** Slot `index` listens on `base + index`; no base (or 0) means any free port. */
export function portOfSlot(base: number | undefined, slot: EngineSlot): number {
  if (!base) return 0;
  const port = base + slot.index;
  if (port > 65535) throw MediaError.invalidArgument(`port ${base} + media worker ${slot.index} is past 65535`);
  return port;
}

import * as z from 'zod';
import { MediaError } from '../errors';
import type { MediaLogger } from '../logger';
import { createSfuEngine } from '../sfu/index';
import type { MediaEngine } from '../types';
import { createWeriftEngine } from '../WeriftEngine';

/** The engines CONFAB_MEDIA_ENGINE can name: our own packet path, and the step-1 werift one. */
export const MEDIA_ENGINES = ['sfu', 'werift'] as const;
export type MediaEngineName = (typeof MEDIA_ENGINES)[number];

/** What an engine is built from: plain data, so it can be handed to a worker thread. */
export const EngineSettings = z.object({
  engine: z.enum(MEDIA_ENGINES),
  /** sfu: the UDP and ICE-TCP ports of the first engine instance, the next ones take the next ports; 0 or unset: any free port. */
  rtcPort: z.number().int().min(0).max(65535).optional(),
  rtcTcpPort: z.number().int().min(0).max(65535).optional(),
  /** werift: the node's UDP port range for media (both or neither); each engine instance gets its share. */
  rtcMinPort: z.number().int().min(1).max(65535).optional(),
  rtcMaxPort: z.number().int().min(1).max(65535).optional(),
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
}

/**
 * Builds one engine instance. A media worker calls this once; a module given to WorkerMediaEngine
 * as `engineModule` exports a function of this type named `createWorkerEngine` instead.
 */
export type EngineFactory = (context: EngineContext) => MediaEngine | Promise<MediaEngine>;

export const createEngine: EngineFactory = ({ settings, slot, logger }) => {
  switch (settings.engine) {
    case 'sfu':
      return createSfuEngine({
        udpPort: portOfSlot(settings.rtcPort, slot),
        tcpPort: portOfSlot(settings.rtcTcpPort, slot),
        announcedAddresses: settings.announcedAddresses,
        logger,
      });
    case 'werift': {
      const ports = portShare(settings.rtcMinPort, settings.rtcMaxPort, slot);
      return createWeriftEngine({ rtcMinPort: ports?.[0], rtcMaxPort: ports?.[1], announcedAddresses: settings.announcedAddresses, logger });
    }
  }
};

/** sfu: slot `index` listens on `base + index`; no base (or 0) means any free port. */
export function portOfSlot(base: number | undefined, slot: EngineSlot): number {
  if (!base) return 0;
  const port = base + slot.index;
  if (port > 65535) throw MediaError.invalidArgument(`port ${base} + media worker ${slot.index} is past 65535`);
  return port;
}

/** Slot `index` of `count` gets an equal, disjoint part of the range [min, max]. */
export function portShare(min: number | undefined, max: number | undefined, slot: EngineSlot): [number, number] | undefined {
  if (min === undefined || max === undefined) return undefined;
  const size = Math.floor((max - min + 1) / slot.count);
  if (size < 2) throw MediaError.invalidArgument(`rtc port range ${min}-${max} is too small for ${slot.count} media workers (2 ports each at least)`);
  const low = min + slot.index * size;
  return [low, low + size - 1];
}

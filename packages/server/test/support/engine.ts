import type { MediaEngine, MediaLogger } from '../../src/media/index';
import { createEngine, type EngineSettings } from '../../src/media/workers/engines';

/** One instance of the media engine in this thread (no media workers). */
export async function createTestEngine(options: Partial<EngineSettings> & { logger?: MediaLogger } = {}): Promise<MediaEngine> {
  const { logger, ...settings } = options;
  return createEngine({
    settings: { announcedAddresses: [], ...settings },
    slot: { index: 0, count: 1 },
    logger: logger ?? { debug() {}, info() {}, warn() {}, error() {} },
  });
}

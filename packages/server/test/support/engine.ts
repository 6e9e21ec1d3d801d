import type { MediaEngine, MediaLogger } from '../../src/media/index';
import { createEngine, type EngineSettings } from '../../src/media/workers/engines';
import { loadConfig } from '../../src/service/config';

/** The engine the tests run against: CONFAB_MEDIA_ENGINE, with the server's default. */
export const ENGINE = loadConfig(process.env).mediaEngine;

/** One instance of that engine (or the one `options.engine` names) in this thread (no media workers). */
export async function createTestEngine(options: Partial<EngineSettings> & { logger?: MediaLogger } = {}): Promise<MediaEngine> {
  const { logger, ...settings } = options;
  return createEngine({
    settings: { engine: ENGINE, announcedAddresses: [], ...settings },
    slot: { index: 0, count: 1 },
    logger: logger ?? { debug() {}, info() {}, warn() {}, error() {} },
  });
}

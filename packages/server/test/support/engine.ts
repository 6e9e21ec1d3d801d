import { createMediaEngine, type MediaEngine, type MediaEngineOptions } from '../../src/media/index';
import { loadConfig } from '../../src/service/config';

/** The engine the tests run against: CONFAB_MEDIA_ENGINE, with the server's default. */
export const ENGINE = loadConfig(process.env).mediaEngine;

export function createTestEngine(options: Omit<MediaEngineOptions, 'engine'> = {}): Promise<MediaEngine> {
  return createMediaEngine({ engine: ENGINE, ...options });
}

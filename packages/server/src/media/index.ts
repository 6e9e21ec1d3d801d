export * from './types';
export { createWeriftEngine, type WeriftEngineOptions } from './WeriftEngine';
export { MediaError, type MediaErrorCode } from './errors';
export type { MediaLogger } from './logger';

export * from './types';
export { createMediaEngine, type MediaEngineOptions } from './createMediaEngine';
export { MEDIA_ENGINES, type MediaEngineName } from './engineNames';
export { createWeriftEngine, type WeriftEngineOptions } from './WeriftEngine';
export { createSfuEngine, type SfuEngineOptions } from './sfu/index';
export { MediaError, type MediaErrorCode } from './errors';
export type { MediaLogger } from './logger';

export * from './types';
export { createWeriftEngine, type WeriftEngineOptions } from './WeriftEngine';
export { createSfuEngine, type SfuEngineOptions } from './sfu/index';
export { MediaError, type MediaErrorCode } from './errors';
export type { MediaLogger } from './logger';
export { createMediaPlane, type MediaPlaneOptions } from './workers/createMediaPlane';
export { MEDIA_ENGINES, type EngineSettings, type MediaEngineName } from './workers/engines';
export { WorkerMediaEngine, type WorkerMediaEngineOptions } from './workers/WorkerMediaEngine';

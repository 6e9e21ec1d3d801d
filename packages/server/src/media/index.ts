export * from './types';
export { createSfuEngine, type SfuEngineOptions } from './sfu/index';
export { MediaError, type MediaErrorCode } from './errors';
export type { MediaLogger } from './logger';
export { createMediaPlane, type MediaPlaneOptions } from './workers/createMediaPlane';
export type { EngineSettings } from './workers/engines';
export { WorkerMediaEngine, type WorkerMediaEngineOptions } from './workers/WorkerMediaEngine';

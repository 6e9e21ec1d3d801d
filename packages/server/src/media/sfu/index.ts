export { createSfuEngine, type SfuEngineOptions } from './SfuEngine';

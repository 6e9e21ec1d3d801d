export { ConfabServer, SIGNAL_PATH } from './service/ConfabServer';
export { createNode, NodeStartError, startNode } from './node';
export { loadConfig, type Config } from './service/config';
export { createLogger } from './service/logger';
export { createSfuEngine } from './media/index';

import { pino } from 'pino';

export type Logger = pino.Logger;

/**
 * JSON lines on stdout (or `destination`). Every line names the node (CONFAB_NODE_ID), so the logs
 * of a cluster's nodes can be merged and still say which node wrote what.
 */
export function createLogger(level: string, nodeId: string, destination?: pino.DestinationStream): Logger {
  const options = { level, base: { service: 'confab', node: nodeId } };
  return destination ? pino(options, destination) : pino(options);
}

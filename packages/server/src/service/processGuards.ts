import type { Logger } from './logger';

export type ProcessErrorKind = 'uncaught_exception' | 'unhandled_rejection';

/**
 * The last line of defence, for errors that escaped every handler of ours: they are logged and
 * counted (confab_process_errors_total), and the node keeps serving. Why that is the right trade
 * for an SFU, and its limits, is in docs/reliability.md "Isolation and shutdown". Installed after
 * start-up, so a node that cannot start still fails loudly.
 */
export function installProcessGuards(logger: Logger, count: (kind: ProcessErrorKind) => void): void {
  process.on('uncaughtException', (err) => {
    count('uncaught_exception');
    logger.error({ err }, 'uncaught exception; the node carries on');
  });
  process.on('unhandledRejection', (reason) => {
    count('unhandled_rejection');
    logger.error({ err: reason }, 'unhandled rejection; the node carries on');
  });
}

/** The pino subset media logs through: `(fields, message)`. */
export interface MediaLogger {
  debug(fields: object, message?: string): void;
  info(fields: object, message?: string): void;
  warn(fields: object, message?: string): void;
  error(fields: object, message?: string): void;
}

const noop = (): void => {};
export const silentLogger: MediaLogger = { debug: noop, info: noop, warn: noop, error: noop };

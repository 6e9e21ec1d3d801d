/** The pino subset media logs through: `(fields, message)`. */
export interface MediaLogger {
  debug(fields: object, message?: string): void;
  info(fields: object, message?: string): void;
  warn(fields: object, message?: string): void;
  error(fields: object, message?: string): void;
}

const noop = (): void => {};
export const silentLogger: MediaLogger = { debug: noop, info: noop, warn: noop, error: noop };

/**
 * Wraps a callback handed to werift or to the room: werift calls ours inside its own packet and
 * SDP paths, so a throw there could break its state or escape as an uncaught exception.
 */
export function guarded<A extends unknown[]>(
  logger: MediaLogger,
  what: string,
  fn: (...args: A) => void,
): (...args: A) => void {
  return (...args: A) => {
    try {
      fn(...args);
    } catch (err) {
      logger.error({ err, what }, 'media callback threw');
    }
  };
}

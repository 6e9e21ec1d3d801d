import type { MediaLogger } from '../logger';
import type { WorkerEvent } from './protocol';

export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

type Level = 'debug' | 'info' | 'warn' | 'error';

/**
 * A worker's logger: lines at or above `level` go to the main thread, which writes them with its
 * own logger; lines below it are dropped here, so debug logging on a packet path costs no message.
 */
export function forwardingLogger(level: LogLevel, send: (event: Extract<WorkerEvent, { ev: 'log' }>) => void): MediaLogger {
  const threshold = LOG_LEVELS.indexOf(level);
  const at = (name: Level) =>
    LOG_LEVELS.indexOf(name) < threshold
      ? () => {}
      : (fields: object, message = '') => send({ ev: 'log', level: name, fields: cloneable(fields), message });
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

/** Log fields as data a message can carry: errors become {type, message, stack}, the rest must survive JSON. */
function cloneable(fields: object): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(fields)) {
    out[key] = value instanceof Error ? { type: value.name, message: value.message, stack: value.stack } : value;
  }
  try {
    return JSON.parse(JSON.stringify(out)) as Record<string, unknown>;
  } catch {
    return { fields: 'not serialisable' };
  }
}

import { MediaError, errorMessage } from '../errors';
import type { MediaErrorWire } from './protocol';

/** A MediaError keeps its code across the thread boundary; anything else is a bug: 'internal'. */
export function errorToWire(error: unknown): MediaErrorWire {
  if (error instanceof MediaError) return { code: error.code, message: error.message };
  return { code: 'internal', message: errorMessage(error) };
}

export function errorFromWire(wire: MediaErrorWire): MediaError {
  return new MediaError(wire.code, wire.message);
}

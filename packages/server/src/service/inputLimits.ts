import { ProtocolError, type ClientMessage } from '@confab/protocol';
import type { Config } from './config';

export type InputLimits = Pick<Config, 'maxNameLength' | 'maxChatLength'>;

/**
 * This server's limits on what people type (CONFAB_MAX_NAME_LENGTH, CONFAB_MAX_CHAT_LENGTH), at
 * most the protocol's caps, which the schema has already enforced. Lengths count UTF-16 code units,
 * as the schema does. Returns the error for a message past a limit.
 */
export function checkInputLimits(message: ClientMessage, limits: InputLimits): ProtocolError | undefined {
  if (message.type === 'join' && message.name.length > limits.maxNameLength) {
    return ProtocolError.invalid(`name must be at most ${limits.maxNameLength} characters on this server (got ${message.name.length})`);
  }
  if (message.type === 'chat' && message.text.length > limits.maxChatLength) {
    return ProtocolError.invalid(`chat messages must be at most ${limits.maxChatLength} characters on this server (got ${message.text.length})`);
  }
  return undefined;
}

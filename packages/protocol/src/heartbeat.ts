import type { ClientMessage, MessageOf } from './messages';

export type HeartbeatPing = MessageOf<ClientMessage, 'ping'>;

/**
 * The heartbeat ping as the SDK writes it: `{"type":"ping","lastSeq":N}`, plus `,"reply":false`
 * when it needs no pong. One place writes these bytes and one recognises them, so that the server
 * can take the frame most idle sessions send without JSON.parse and the schema (~half of a
 * received ping's server CPU, docs/benchmarks.md "Idle sessions").
 */
export function encodeHeartbeatPing(lastSeq: number, reply: boolean): string {
  return reply ? `${PREFIX}${lastSeq}}` : `${PREFIX}${lastSeq}${NO_REPLY_SUFFIX}`;
}

const PREFIX = '{"type":"ping","lastSeq":';
const NO_REPLY_SUFFIX = ',"reply":false}';
// TextEncoder, not Buffer: the SDK imports this module in browsers.
const PREFIX_BYTES = new TextEncoder().encode(PREFIX);
const NO_REPLY_BYTES = new TextEncoder().encode(NO_REPLY_SUFFIX);
const ZERO = 0x30;
const NINE = 0x39;
const CLOSE_BRACE = 0x7d;
/** 15 digits stay below 2^53: every value read is a safe integer, as the schema asks. */
const MAX_DIGITS = 15;

/**
 * Reads a frame that is exactly one of the two forms encodeHeartbeatPing writes; anything else
 * (other spacing, key order, fields, leading zeros, a huge number) is undefined and must go
 * through decodeClientMessage, which gives the same message for every frame read here
 * (heartbeat.test.ts checks that against the schema).
 */
export function readHeartbeatPing(frame: Uint8Array): HeartbeatPing | undefined {
  const length = frame.length;
  if (length < PREFIX_BYTES.length + 2 || length > PREFIX_BYTES.length + MAX_DIGITS + NO_REPLY_BYTES.length) return undefined;
  for (let i = 0; i < PREFIX_BYTES.length; i++) if (frame[i] !== PREFIX_BYTES[i]) return undefined;
  let at = PREFIX_BYTES.length;
  const first = frame[at]!;
  if (first < ZERO || first > NINE) return undefined;
  let lastSeq = first - ZERO;
  at++;
  // JSON has no leading zeros: "07" is invalid there, so it must be invalid here too.
  if (first !== ZERO) {
    for (; at < length && at - PREFIX_BYTES.length < MAX_DIGITS; at++) {
      const digit = frame[at]!;
      if (digit < ZERO || digit > NINE) break;
      lastSeq = lastSeq * 10 + (digit - ZERO);
    }
  }
  if (at === length - 1 && frame[at] === CLOSE_BRACE) return { type: 'ping', lastSeq };
  if (length - at !== NO_REPLY_BYTES.length) return undefined;
  for (let i = 0; i < NO_REPLY_BYTES.length; i++) if (frame[at + i] !== NO_REPLY_BYTES[i]) return undefined;
  return { type: 'ping', lastSeq, reply: false };
}

/**
 * Whether a client's ping asks for a `pong`: only when it has heard nothing from the server since
 * its previous ping (a whole interval of silence). An idle client hears a pong after every other
 * ping (a pong comes after the ping that asked, so the next ping has heard it); in a busy room,
 * where the server's own frames show it alive, it hears none. Judged against the previous ping's
 * time, not a span of silence, so that the ping that asks comes at most two intervals after the
 * last word whatever its phase (heartbeatReplyWaitMs counts on that).
 */
export function heartbeatWantsReply(lastHeardAt: number, previousPingAt: number): boolean {
  return lastHeardAt < previousPingAt;
}

/**
 * How long a client waits for any frame after a ping that asked for a reply before it counts the
 * server lost. The ping that asks comes at most two intervals after the last word, so a loss shows
 * at most `timeoutMs + 3/8 interval` after it began: 4.75 s at the defaults (2 s, 4 s), within the
 * 5 s the docs promise, like the server's `timeoutMs` + its 250 ms check on the other side.
 */
export function heartbeatReplyWaitMs(intervalMs: number, timeoutMs: number): number {
  return Math.max(intervalMs / 4, timeoutMs - 2 * intervalMs + (intervalMs * 3) / 8);
}

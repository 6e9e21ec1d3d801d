import { SendHistory } from '@confab/wire';

/**
 * One subscriber transport's send state in one Float64Array, which the native fan-out reads and
 * moves on (packages/srtp/native/send_state.c mirrors this layout): the pacer's gate (Pacer's
 * PACER_STATE), what SubscriberBandwidth counts and numbers with, where the transport sends, and
 * the transport-wide send history (SendHistory's SEND_HISTORY_STATE). So a packet that may leave
 * at once is paced, numbered, recorded and queued for the seal in C, and TypeScript still owns
 * every decision about that state.
 */
export const SEND_STATE = {
  /** PACER_STATE, 6 doubles. */
  pacer: 0,
  /** Bytes handed to the bandwidth side in its current window (the offered rate). */
  offeredBytes: 6,
  /** The transport-wide-cc extension id packets are numbered under, 0: none (not negotiated, or no estimator yet). */
  transportCcId: 7,
  /** What the seal adds to a packet (SrtpSession.rtpOverhead): the pacer counts the bytes that leave. */
  sealOverhead: 8,
  /**
   * The transport's registered seal (SrtpSession.rtpSealId) while its path is one the send batch
   * reaches (IcePath.queueAddress); -1: copies are not queued natively.
   */
  sealId: 9,
  /** The path's IPv4 address (host order, as an int32) and port, with a sealId. */
  ip4: 10,
  port: 11,
  /** SEND_HISTORY_STATE, SendHistory.storageSize(capacity) doubles. */
  history: 12,
} as const;

/** The doubles of a send state whose history holds `historyCapacity` packets. */
export function sendStateSize(historyCapacity: number): number {
  return SEND_STATE.history + SendHistory.storageSize(historyCapacity);
}

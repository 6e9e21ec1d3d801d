import { OUTBOUND_STREAM_STATE } from '@confab/srtp';
import { REWRITER_STATE } from '@confab/wire';
import { VP8_STATE } from '../simulcast/vp8';

/**
 * One subscriber's row in its producer's fan-out block (a Float64Array shared with the native
 * core, packages/srtp/native/rtp_fanout.c, which mirrors these offsets). JavaScript decides what
 * the row says (SfuConsumer.syncFanout); the native core reads it and advances the rewriters'
 * state in place.
 */
export const FANOUT_ROW = {
  /** FanoutMode. */
  mode: 0,
  /** The layer the subscriber takes now (LayerSelector.current), -1: none. */
  layer: 1,
  /** 1: the VP8 picture ids are rewritten (the vp8State block is in use). */
  vp8: 2,
  /** RtpStreamRewriter's state (REWRITER_STATE). */
  rewriter: 4,
  /** Vp8PictureRewriter's state (VP8_STATE). */
  vp8State: 4 + REWRITER_STATE.size,
  /** The extension id map: the publisher's id (0-15) -> the subscriber's, 0 drops the element. */
  extensions: 4 + REWRITER_STATE.size + VP8_STATE.size,
  /** The subscriber transport's send state in the native registry (SfuSubscribeTransport.sendStateId), -1: none. */
  sendState: 44,
  /** 1: video, paced; 0: audio, out at once. */
  paced: 45,
  /**
   * The SRTP stream the subscriber's copies are sealed in (OUTBOUND_STREAM_STATE: its ROC and
   * highest sequence number; NO_STREAM in the latter: none), which the native core moves on when
   * it queues a copy for the seal.
   */
  stream: 46,
  stride: 48,
} as const;

/** A row's stream.highestSeq when no SRTP stream continues in it (not connected yet, or closed). */
export const NO_STREAM = -2;
/** Where in a row the stream's highest sequence number is. */
export const ROW_STREAM_HIGHEST_SEQ = FANOUT_ROW.stream + OUTBOUND_STREAM_STATE.highestSeq;

/** How packets reach the subscriber of a row. */
export const enum FanoutMode {
  /** SfuConsumer.forward() decides every packet: not sending, paused, or a layer switch on its way. */
  Js = 0,
  /** The native core forwards the row's layer while the stream continues its segment; anything else comes back to JS. */
  Native = 1,
}

/** What the native core answers for a row that needs the TypeScript path. */
export const FANOUT_TO_JS = -1;

/** What the native core did with a row's copy, beyond writing it. */
export const enum FanoutSent {
  /** Nothing: the TypeScript path sends it (SfuConsumer.sendRewritten). */
  No = 0,
  /** Paced, numbered and recorded: it needs protecting and sending (SfuConsumer.sendTaken). */
  Taken = 1,
  /** Also queued in the send batch for the seal and the send: only to be counted. */
  Queued = 2,
}

/**
 * RFC 3711 3.3.1 and Appendix A: SRTP packets carry only 16 bits of their 48-bit index; the upper
 * 32 bits (the rollover counter, ROC) are guessed from the highest sequence number seen so far.
 */

/**
 * The ROC a packet with `seq` most likely has, for a stream whose highest packet so far had
 * `highestSeq` under `roc`: `roc - 1` for a late packet from before a wrap, `roc + 1` for the
 * first packets after one. -1 means the packet predates the stream.
 */
export function guessRoc(roc: number, highestSeq: number, seq: number): number {
  if (highestSeq < 0x8000) return seq - highestSeq > 0x8000 ? roc - 1 : roc;
  return highestSeq - 0x8000 > seq ? roc + 1 : roc;
}

/** The 48-bit packet index, exact as a JS number. */
export function packetIndex(roc: number, seq: number): number {
  return roc * 0x10000 + seq;
}

export const MAX_ROC = 0xffffffff;

/**
 * The per-packet crypto of one direction, keyed once with that direction's session keys.
 * Implemented twice: by the native core (NativeCipher) and in TypeScript (TsGcmCipher, TsCmCipher);
 * both must produce the same bytes. All lengths are checked here too: a bad one is a status.
 */
export interface PacketCipher {
  /** Encrypts the payload after `headerLength` in place and appends the tag; returns the new length. */
  sealRtp(buf: Uint8Array, len: number, headerLength: number, roc: number): number;
  /** Verifies the tag, decrypts in place; returns the length without the tag. */
  openRtp(buf: Uint8Array, len: number, headerLength: number, roc: number): number;
  /** Encrypts after the 8-byte header, appends tag and E|index word (layout per profile). */
  sealRtcp(buf: Uint8Array, len: number, index: number): number;
  /** Verifies, decrypts if the E flag is set; returns the RTCP length. */
  openRtcp(buf: Uint8Array, len: number): number;
  /**
   * The native core's id for this cipher's RTP seal, so that a send table can seal the packet just
   * before it leaves (NativeUdpBatchSend); -1 when the seal cannot be deferred (TypeScript ciphers).
   */
  readonly rtpSealId: number;
  /** Frees the keys' state; later calls return SrtpStatus.Closed. */
  close(): void;
}

export type SrtpBackend = 'native' | 'ts';

/**
 * What the hot-path calls return instead of a length: always negative, so `n >= 0` means the
 * packet was transformed and `n` is its new length. The native core returns the same numbers.
 */
export const SrtpStatus = {
  /** Too short, not version 2, a header longer than the packet, or a length outside the buffer. */
  Malformed: -1,
  /** The authentication tag does not verify. */
  AuthFailed: -2,
  /** Seen before, or older than the replay window. */
  Replayed: -3,
  /** The buffer has no room after the packet for the tag (and the SRTCP index). */
  NoRoom: -4,
  /** A new SSRC past the session's stream limit. */
  StreamLimit: -5,
  /** The session was closed. */
  Closed: -6,
  /** The crypto library failed; not expected for any input. */
  CryptoError: -7,
} as const;

export type SrtpStatusCode = (typeof SrtpStatus)[keyof typeof SrtpStatus];

const names = new Map<number, string>(Object.entries(SrtpStatus).map(([name, code]) => [code, name]));

/** The status's name for logs and counters, e.g. `srtpStatusName(-3) === 'Replayed'`. */
export function srtpStatusName(code: number): string {
  return names.get(code) ?? (code >= 0 ? 'Ok' : `Unknown(${code})`);
}

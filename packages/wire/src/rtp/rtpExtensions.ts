/**
 * RTP header extensions (RFC 8285), one-byte (profile 0xBEDE) and two-byte (0x100x) forms, read
 * and rewritten in place. Every function takes a packet that passed rtpCheck() and stays within
 * the extension block: a malformed element ends the walk (and remapping blanks what follows it).
 *
 * An element is located by a "ref": `offset << 8 | length` of its data, so lookups return one
 * number and allocate nothing. -1 means absent.
 */

/** The extension URIs Chromium offers that the media path reads. */
export const RtpExtensionUri = {
  mid: 'urn:ietf:params:rtp-hdrext:sdes:mid',
  rid: 'urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id',
  repairedRid: 'urn:ietf:params:rtp-hdrext:sdes:repaired-rtp-stream-id',
  audioLevel: 'urn:ietf:params:rtp-hdrext:ssrc-audio-level',
  absSendTime: 'http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time',
  transportWideCc: 'http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01',
} as const;

const ONE_BYTE_PROFILE = 0xbede;
/** The two-byte profile's top 12 bits; the low 4 ("appbits") are free. */
const TWO_BYTE_PROFILE = 0x100;

export function extensionOffset(ref: number): number {
  return ref >>> 8;
}

export function extensionLength(ref: number): number {
  return ref & 0xff;
}

/** Offset of the extension block's 4-byte header (profile, length), or -1 without the X bit. */
function blockStart(buf: Uint8Array): number {
  return buf[0]! & 0x10 ? 12 + (buf[0]! & 0x0f) * 4 : -1;
}

function blockEnd(buf: Uint8Array, start: number): number {
  return start + 4 + ((buf[start + 2]! << 8) | buf[start + 3]!) * 4;
}

/** 1 for the one-byte form, 2 for two-byte, 0 for another profile (left alone). */
function blockForm(buf: Uint8Array, start: number): number {
  const profile = (buf[start]! << 8) | buf[start + 1]!;
  if (profile === ONE_BYTE_PROFILE) return 1;
  return profile >> 4 === TWO_BYTE_PROFILE ? 2 : 0;
}

/** Finds the element with local id `id` (1-14 one-byte, 1-255 two-byte). */
export function findRtpExtension(buf: Uint8Array, id: number): number {
  const start = blockStart(buf);
  if (start < 0 || id <= 0) return -1;
  const form = blockForm(buf, start);
  const end = blockEnd(buf, start);
  let i = start + 4;
  if (form === 1) {
    while (i < end) {
      const b = buf[i]!;
      const elementId = b >> 4;
      if (elementId === 0) {
        i++; // padding
        continue;
      }
      if (elementId === 15) return -1; // RFC 8285 4.2: stop at the reserved id
      const length = (b & 0x0f) + 1;
      if (i + 1 + length > end) return -1;
      if (elementId === id) return ((i + 1) << 8) | length;
      i += 1 + length;
    }
  } else if (form === 2) {
    while (i < end) {
      const elementId = buf[i]!;
      if (elementId === 0) {
        i++;
        continue;
      }
      if (i + 2 > end) return -1;
      const length = buf[i + 1]!;
      if (i + 2 + length > end) return -1;
      if (elementId === id) return ((i + 2) << 8) | length;
      i += 2 + length;
    }
  }
  return -1;
}

/**
 * Rewrites every element's id through `table` (index: the publisher's id, value: the receiver's),
 * in place. A value of 0, or one that the block's form cannot carry (over 14 in one-byte form),
 * drops the element by turning its bytes into padding, which both forms allow between elements,
 * so the packet keeps its length. Returns how many elements remain.
 */
export function remapRtpExtensions(buf: Uint8Array, table: Uint8Array): number {
  const start = blockStart(buf);
  if (start < 0) return 0;
  const form = blockForm(buf, start);
  const end = blockEnd(buf, start);
  let kept = 0;
  let i = start + 4;
  if (form === 1) {
    while (i < end) {
      const b = buf[i]!;
      const id = b >> 4;
      if (id === 0) {
        i++;
        continue;
      }
      const length = (b & 0x0f) + 1;
      if (id === 15 || i + 1 + length > end) break;
      const to = table[id] ?? 0;
      if (to > 0 && to < 15) {
        buf[i] = (to << 4) | (b & 0x0f);
        kept++;
      } else {
        blank(buf, i, i + 1 + length);
      }
      i += 1 + length;
    }
  } else if (form === 2) {
    while (i < end) {
      const id = buf[i]!;
      if (id === 0) {
        i++;
        continue;
      }
      if (i + 2 > end) break;
      const length = buf[i + 1]!;
      if (i + 2 + length > end) break;
      const to = table[id] ?? 0;
      if (to > 0) {
        buf[i] = to;
        kept++;
      } else {
        blank(buf, i, i + 2 + length);
      }
      i += 2 + length;
    }
  } else {
    // A profile we do not understand could carry anything: blank it all.
    blank(buf, start + 4, end);
    return 0;
  }
  if (i < end) blank(buf, i, end); // whatever followed a malformed or reserved element
  return kept;
}

/** Zeroes [from, to): a loop, because these spans are a few bytes and fill() is a native call. */
function blank(buf: Uint8Array, from: number, to: number): void {
  for (let i = from; i < to; i++) buf[i] = 0;
}

/**
 * Removes the extension block and clears the X bit, moving the payload down: for a receiver that
 * negotiated no extensions. Returns the new packet length.
 */
export function stripRtpExtensions(buf: Uint8Array, len: number): number {
  const start = blockStart(buf);
  if (start < 0) return len;
  const end = blockEnd(buf, start);
  buf.copyWithin(start, end, len);
  buf[0] = buf[0]! & ~0x10;
  return len - (end - start);
}

/** transport-wide-cc (draft-holmer-rmcat-transport-wide-cc-extensions-01): the 16-bit transport sequence number, or -1. */
export function readTransportCcSeq(buf: Uint8Array, id: number): number {
  const ref = findRtpExtension(buf, id);
  if (ref < 0 || (ref & 0xff) < 2) return -1;
  const at = ref >>> 8;
  return (buf[at]! << 8) | buf[at + 1]!;
}

/** Overwrites the transport-wide sequence number in place (our own numbering towards a receiver). False if absent. */
export function writeTransportCcSeq(buf: Uint8Array, id: number, seq: number): boolean {
  const ref = findRtpExtension(buf, id);
  if (ref < 0 || (ref & 0xff) < 2) return false;
  const at = ref >>> 8;
  buf[at] = (seq >>> 8) & 0xff;
  buf[at + 1] = seq & 0xff;
  return true;
}

/** abs-send-time: 24-bit 6.18 fixed-point seconds (the middle of an NTP timestamp), or -1. */
export function readAbsSendTime(buf: Uint8Array, id: number): number {
  const ref = findRtpExtension(buf, id);
  if (ref < 0 || (ref & 0xff) < 3) return -1;
  const at = ref >>> 8;
  return (buf[at]! << 16) | (buf[at + 1]! << 8) | buf[at + 2]!;
}

export function writeAbsSendTime(buf: Uint8Array, id: number, value: number): boolean {
  const ref = findRtpExtension(buf, id);
  if (ref < 0 || (ref & 0xff) < 3) return false;
  const at = ref >>> 8;
  buf[at] = (value >>> 16) & 0xff;
  buf[at + 1] = (value >>> 8) & 0xff;
  buf[at + 2] = value & 0xff;
  return true;
}

/** abs-send-time for a time in microseconds: seconds mod 64 in 6.18 fixed point. */
export function absSendTimeFromMicros(us: number): number {
  // Reduce mod 64 s first so the product stays exact in a double.
  return Math.floor(((us % 64e6) * 262144) / 1e6) & 0xffffff;
}

/**
 * Client-to-mixer audio level (RFC 6464): the byte `V | level`, with level 0-127 in -dBov
 * (0 loudest, 127 silence) and V the voice-activity flag; -1 if absent.
 */
export function readAudioLevel(buf: Uint8Array, id: number): number {
  const ref = findRtpExtension(buf, id);
  return ref < 0 || (ref & 0xff) < 1 ? -1 : buf[ref >>> 8]!;
}

export function audioLevelDbov(value: number): number {
  return value & 0x7f;
}

export function audioLevelVoice(value: number): boolean {
  return (value & 0x80) !== 0;
}

/**
 * An SDES-item extension as text (sdes:mid, rtp-stream-id, repaired-rtp-stream-id), or undefined.
 * Allocates a string: for the demultiplexer's first look at an unknown SSRC, not per packet.
 */
export function readSdesItem(buf: Uint8Array, id: number): string | undefined {
  const ref = findRtpExtension(buf, id);
  if (ref < 0) return undefined;
  const at = ref >>> 8;
  let length = ref & 0xff;
  // RFC 8843 allows trailing NULs when the sender padded the value.
  while (length > 0 && buf[at + length - 1] === 0) length--;
  let text = '';
  for (let i = 0; i < length; i++) text += String.fromCharCode(buf[at + i]!);
  return text;
}

/**
 * Writes transport-wide sequence number `seq` under one-byte id `id` (1-14) into the RTP packet
 * `buf[0, len)`, in place: overwrites the element if there is one, else adds it, growing the
 * extension block by one word (or creating a one-byte-form block of two words) and moving the
 * payload up. `buf` must have 8 spare bytes beyond `len`. Returns the new length, or -1 when the
 * packet's extension block has a profile we do not know or is malformed (left untouched).
 */
export function stampTransportCcSeq(buf: Uint8Array, len: number, id: number, seq: number): number {
  const start = blockStart(buf);
  if (start < 0) {
    // No block: one in the one-byte form, after the CSRCs: BEDE, 1 word, [id|1] seq seq 0.
    const at = 12 + (buf[0]! & 0x0f) * 4;
    if (at > len) return -1;
    buf.copyWithin(at + 8, at, len);
    buf[0] = buf[0]! | 0x10;
    buf[at] = 0xbe;
    buf[at + 1] = 0xde;
    buf[at + 2] = 0;
    buf[at + 3] = 1;
    buf[at + 4] = (id << 4) | 1;
    buf[at + 5] = (seq >>> 8) & 0xff;
    buf[at + 6] = seq & 0xff;
    buf[at + 7] = 0;
    return len + 8;
  }
  const ref = findRtpExtension(buf, id);
  if (ref >= 0 && (ref & 0xff) >= 2) {
    const at = ref >>> 8;
    buf[at] = (seq >>> 8) & 0xff;
    buf[at + 1] = seq & 0xff;
    return len;
  }
  const form = blockForm(buf, start);
  if (form === 0) return -1;
  const end = blockEnd(buf, start);
  if (end > len) return -1;
  // Where the elements stop (trailing padding is free space).
  const used = elementsEnd(buf, start + 4, end, form);
  if (used < 0) return -1;
  const need = form === 1 ? 3 : 4;
  if (used + need > end) {
    buf.copyWithin(end + 4, end, len);
    for (let i = end; i < end + 4; i++) buf[i] = 0;
    const words = ((buf[start + 2]! << 8) | buf[start + 3]!) + 1;
    buf[start + 2] = words >>> 8;
    buf[start + 3] = words & 0xff;
    len += 4;
  }
  if (form === 1) {
    buf[used] = (id << 4) | 1;
    buf[used + 1] = (seq >>> 8) & 0xff;
    buf[used + 2] = seq & 0xff;
  } else {
    buf[used] = id;
    buf[used + 1] = 2;
    buf[used + 2] = (seq >>> 8) & 0xff;
    buf[used + 3] = seq & 0xff;
  }
  return len;
}

/** The offset just past the last element of a block's elements [from, end); -1 if malformed. */
function elementsEnd(buf: Uint8Array, from: number, end: number, form: number): number {
  let i = from;
  let last = from;
  while (i < end) {
    if (form === 1) {
      const b = buf[i]!;
      if (b === 0) {
        i++;
        continue;
      }
      if (b >> 4 === 15) return -1; // reserved id: receivers stop reading here
      const length = (b & 0x0f) + 1;
      if (i + 1 + length > end) return -1;
      i += 1 + length;
    } else {
      if (buf[i] === 0) {
        i++;
        continue;
      }
      if (i + 2 > end) return -1;
      const length = buf[i + 1]!;
      if (i + 2 + length > end) return -1;
      i += 2 + length;
    }
    last = i;
  }
  return last;
}

import type { PacketCipher, SrtpBackend } from './packetCipher';
import { SRTP_PROFILES, type SrtpProfile } from './profiles';
import { ReplayWindow } from './ReplayWindow';
import { guessRoc, MAX_ROC, packetIndex } from './rolloverCounter';
import { OutboundRtpStream } from './OutboundRtpStream';
import { InboundRtpStream } from './RtpStream';
import { isPacketLength, readU16, readU32, rtpHeaderLength } from './rtpHeader';
import { SsrcTable } from './SsrcTable';
import { SrtpStatus } from './status';

export interface SrtpSessionLimits {
  /** Replay window per inbound stream, in packets: a power of two from 64 to 32768. */
  readonly replayWindow: number;
  /** Streams (SSRCs) remembered per kind and direction; packets of further SSRCs get StreamLimit. */
  readonly maxStreams: number;
}

/**
 * One SRTP/SRTCP session (one DTLS association): protects what we send with the local keys,
 * unprotects what the peer sends with the remote keys. Every call works in place on the caller's
 * buffer and returns the new length, or a negative SrtpStatus; no call throws for any packet
 * bytes. On a failed unprotect the buffer's contents are unspecified: drop the packet.
 *
 * State kept per SSRC: sender ROC and highest sequence, receiver ROC, highest sequence and replay
 * window (advanced only by packets that authenticated), SRTCP send index and receive window.
 */
export class SrtpSession {
  readonly profile: SrtpProfile;
  readonly backend: SrtpBackend;
  private readonly local: PacketCipher;
  private readonly remote: PacketCipher;
  /** Bytes a protected RTP packet grows by (its tag). */
  readonly rtpOverhead: number;
  private readonly rtcpOverhead: number;
  private readonly limits: SrtpSessionLimits;
  private readonly sentRtp: SsrcTable<OutboundRtpStream>;
  private readonly receivedRtp: SsrcTable<InboundRtpStream>;
  /** The next SRTCP index per SSRC. */
  private readonly sentRtcp: SsrcTable<number>;
  private readonly receivedRtcp: SsrcTable<ReplayWindow>;
  private closed: boolean;
  /** An SSRC written out for the tables, which read it from a packet. */
  private readonly ssrcBytes = new Uint8Array(4);
  private readonly ssrcScratch = new DataView(this.ssrcBytes.buffer);

  constructor(profile: SrtpProfile, backend: SrtpBackend, local: PacketCipher, remote: PacketCipher, limits: SrtpSessionLimits) {
    ReplayWindow.assertSize(limits.replayWindow);
    this.profile = profile;
    this.backend = backend;
    this.local = local;
    this.remote = remote;
    this.rtpOverhead = SRTP_PROFILES[profile].rtpOverhead;
    this.rtcpOverhead = SRTP_PROFILES[profile].rtcpOverhead;
    this.limits = limits;
    this.sentRtp = new SsrcTable(limits.maxStreams);
    this.receivedRtp = new SsrcTable(limits.maxStreams);
    this.sentRtcp = new SsrcTable(limits.maxStreams);
    this.receivedRtcp = new SsrcTable(limits.maxStreams);
    this.closed = false;
  }

  /** Encrypts and tags RTP in `buf[0, len)`; `buf` needs `rtpOverhead` bytes of room after `len`. */
  protectRtp(buf: Uint8Array, len: number): number {
    const headerLength = this.sendableRtp(buf, len);
    if (headerLength < 0) return headerLength;
    const roc = this.nextRoc(buf);
    return roc < 0 ? roc : this.local.sealRtp(buf, len, headerLength, roc);
  }

  /**
   * protectRtp() up to the seal: checks the packet, moves its stream's state on and returns the
   * ROC to seal it with (a negative SrtpStatus if it cannot be protected). The caller seals it with
   * sealPrepared(), or has the native core do it later under `rtpSealId` (NativeUdpBatchSend).
   */
  prepareRtp(buf: Uint8Array, len: number): number {
    const headerLength = this.sendableRtp(buf, len);
    return headerLength < 0 ? headerLength : this.nextRoc(buf);
  }

  /** The RTP header's length if the packet can be protected in `buf`, else a negative SrtpStatus. */
  private sendableRtp(buf: Uint8Array, len: number): number {
    if (this.closed) return SrtpStatus.Closed;
    if (!isPacketLength(buf, len)) return SrtpStatus.Malformed;
    const headerLength = rtpHeaderLength(buf, len);
    if (headerLength < 0) return SrtpStatus.Malformed;
    if (buf.length - len < this.rtpOverhead) return SrtpStatus.NoRoom;
    return headerLength;
  }

  /** The ROC of the packet we send next in `buf`, its stream moved on; StreamLimit or Malformed if none. */
  private nextRoc(buf: Uint8Array): number {
    let stream = this.sentRtp.get(buf, 8);
    if (stream === undefined) {
      if (this.sentRtp.size >= this.limits.maxStreams) return SrtpStatus.StreamLimit;
      stream = new OutboundRtpStream();
      this.sentRtp.set(buf, 8, stream);
    }
    const roc = stream.next(readU16(buf, 2));
    return roc < 0 ? SrtpStatus.Malformed : roc;
  }

  /**
   * The stream we send with `ssrc`, made (with nothing sent yet) if there is none; null once closed
   * or at the stream limit. Its state may be moved into a fan-out row (OutboundRtpStream.moveState),
   * where the native core continues it.
   */
  sendStream(ssrc: number): OutboundRtpStream | null {
    if (this.closed) return null;
    this.ssrcScratch.setUint32(0, ssrc >>> 0);
    const key = this.ssrcBytes;
    let stream = this.sentRtp.get(key, 0);
    if (stream === undefined) {
      stream = new OutboundRtpStream();
      if (!this.sentRtp.set(key, 0, stream)) return null;
    }
    return stream;
  }

  /** Seals a packet prepareRtp() accepted, with the ROC it returned. */
  sealPrepared(buf: Uint8Array, len: number, roc: number): number {
    return this.local.sealRtp(buf, len, rtpHeaderLength(buf, len), roc);
  }

  /** The native core's id for this session's RTP seal (PacketCipher.rtpSealId); -1 with the TypeScript backend. */
  get rtpSealId(): number {
    return this.closed ? -1 : this.local.rtpSealId;
  }

  /** Verifies and decrypts SRTP in `buf[0, len)`; returns the RTP length. */
  unprotectRtp(buf: Uint8Array, len: number): number {
    if (this.closed) return SrtpStatus.Closed;
    if (!isPacketLength(buf, len)) return SrtpStatus.Malformed;
    const headerLength = rtpHeaderLength(buf, len);
    if (headerLength < 0 || len - headerLength < this.rtpOverhead) return SrtpStatus.Malformed;
    const seq = readU16(buf, 2);
    const stream = this.receivedRtp.get(buf, 8);
    let roc = 0;
    if (stream !== undefined) {
      roc = guessRoc(stream.roc, stream.highestSeq, seq);
      if (roc < 0 || !stream.window.check(packetIndex(roc, seq))) return SrtpStatus.Replayed;
      if (roc > MAX_ROC) return SrtpStatus.Malformed;
    } else if (this.receivedRtp.size >= this.limits.maxStreams) {
      return SrtpStatus.StreamLimit;
    }
    const n = this.remote.openRtp(buf, len, headerLength, roc);
    if (n < 0) return n;
    if (stream === undefined) {
      this.receivedRtp.set(buf, 8, new InboundRtpStream(seq, new ReplayWindow(this.limits.replayWindow)));
    } else {
      stream.window.accept(packetIndex(roc, seq));
      stream.advance(roc, seq);
    }
    return n;
  }

  /** Encrypts and tags RTCP (compound or not) in `buf[0, len)`; `buf` needs `rtcpOverhead` bytes of room. */
  protectRtcp(buf: Uint8Array, len: number): number {
    if (this.closed) return SrtpStatus.Closed;
    if (!isPacketLength(buf, len) || len < 8 || buf[0]! >> 6 !== 2) return SrtpStatus.Malformed;
    if (buf.length - len < this.rtcpOverhead) return SrtpStatus.NoRoom;
    const index = this.sentRtcp.get(buf, 4);
    if (index === undefined && this.sentRtcp.size >= this.limits.maxStreams) return SrtpStatus.StreamLimit;
    const n = this.local.sealRtcp(buf, len, index ?? 0);
    if (n >= 0) this.sentRtcp.set(buf, 4, ((index ?? 0) + 1) & 0x7fffffff);
    return n;
  }

  /** Verifies SRTCP in `buf[0, len)` and decrypts it if its E flag is set; returns the RTCP length. */
  unprotectRtcp(buf: Uint8Array, len: number): number {
    if (this.closed) return SrtpStatus.Closed;
    if (!isPacketLength(buf, len) || len < 8 + this.rtcpOverhead || buf[0]! >> 6 !== 2) return SrtpStatus.Malformed;
    const wordAt = this.profile === 'AEAD_AES_128_GCM' ? len - 4 : len - this.rtcpOverhead;
    const index = readU32(buf, wordAt) & 0x7fffffff;
    const window = this.receivedRtcp.get(buf, 4);
    if (window !== undefined && !window.check(index)) return SrtpStatus.Replayed;
    if (window === undefined && this.receivedRtcp.size >= this.limits.maxStreams) return SrtpStatus.StreamLimit;
    const n = this.remote.openRtcp(buf, len);
    if (n < 0) return n;
    if (window === undefined) {
      const created = new ReplayWindow(this.limits.replayWindow);
      created.accept(index);
      this.receivedRtcp.set(buf, 4, created);
    } else {
      window.accept(index);
    }
    return n;
  }

  /** SSRCs remembered over RTP and RTCP, both directions: at most 4 × maxStreams. */
  get streamCount(): number {
    return this.sentRtp.size + this.receivedRtp.size + this.sentRtcp.size + this.receivedRtcp.size;
  }

  /** Frees the keys (native contexts at once) and forgets all streams; later calls return Closed. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.local.close();
    this.remote.close();
    this.sentRtp.clear();
    this.receivedRtp.clear();
    this.sentRtcp.clear();
    this.receivedRtcp.clear();
  }
}

import { randomBytes } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';
import { createSrtpSession, stopDgramReceive, udpSocketFd, type SrtpSession } from '@confab/srtp';
import { newReportBlock, readTransportCcSeq, TwccRecorder, writeReceiverReport, type ReportBlock } from '@confab/wire';
import { DtlsClientHandshake, type GeneratorCertificate } from './DtlsClientHandshake';
import { IceController } from './IceController';
import { fieldIndex, MAX_TRACKS, SubscriberField, trackIndex, TrackField } from './leanCounters';
import type { SubscriberOffer } from './leanSdp';
import { ipv4ToInt, type ReceiveArea, type ReceiveMember } from './ReceiveArea';
import { StreamAccount } from './StreamAccount';

/** One packet in this many is decrypted and authenticated, to show the payload is real SRTP. */
export const SAMPLE_EVERY = 50;
const RTCP_SR = 200;
/** Room SRTCP adds (tag, index): the larger of the two profiles. */
const SRTCP_ROOM = 20;
const RECEIVE_BUFFER_BYTES = 512 * 1024;
/** Feedback packets per tick at most (each reports up to ~1,200 bytes' worth of packets). */
const MAX_FEEDBACK_PACKETS = 4;

interface Track {
  account: StreamAccount;
  index: number;
}

/**
 * The media side of one lean subscriber: a UDP socket, ICE and DTLS on it (through Node's dgram),
 * then, keyed, its reads handed to the thread's native receive group (ReceiveArea). Each RTP
 * packet is counted from its clear header (StreamAccount) and recorded for transport-cc feedback
 * with its kernel arrival time; one in SAMPLE_EVERY is SRTP-unprotected. Feedback and receiver
 * reports go out when the worker's ticker calls, SRTCP-protected, through sendmmsg.
 */
export class LeanMediaPath implements ReceiveMember {
  readonly localUfrag = randomBytes(6).toString('hex');
  readonly localPassword = randomBytes(16).toString('hex');
  private readonly ssrc = randomBytes(4).readUInt32BE() || 1;
  private ice: IceController | null = null;
  private dtls: DtlsClientHandshake | null = null;
  private srtp: SrtpSession | null = null;
  private receiving = false;
  private fd = -1;
  private serverIp = 0;
  private serverPort = 0;
  /** By SSRC: media streams (counted), and RTX SSRCs (only tallied). */
  private readonly tracks = new Map<number, Track>();
  private readonly rtxSsrcs = new Set<number>();
  private transportCcId = 0;
  private readonly twcc = new TwccRecorder({ historySize: 4096 });
  private readonly block: ReportBlock = newReportBlock();
  private sampleCountdown = 0;
  private closed = false;

  private constructor(
    private readonly socket: Socket,
    private readonly area: ReceiveArea,
    private readonly counters: Float64Array,
    private readonly slot: number,
  ) {}

  static async open(area: ReceiveArea, counters: Float64Array, slot: number, hostAddress: string): Promise<LeanMediaPath> {
    const socket = createSocket({ type: 'udp4', lookup: (address, _options, callback) => callback(null, address, 4) });
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(0, hostAddress, () => resolve());
    });
    // ~2 s of this subscriber's media (at ~2.3 kB of kernel memory per packet): a generator thread
    // busy with other subscribers' DTLS handshakes must not make this one lose packets.
    socket.setRecvBufferSize(RECEIVE_BUFFER_BYTES);
    return new LeanMediaPath(socket, area, counters, slot);
  }

  /** What the latest offer says each m-section carries. */
  setOffer(offer: SubscriberOffer): void {
    this.transportCcId = offer.transportCcId;
    const live = offer.sections.filter((s) => !s.rejected && s.ssrc !== 0).slice(0, MAX_TRACKS);
    for (const [i, section] of live.entries()) {
      const existing = this.tracks.get(section.ssrc);
      if (existing) existing.index = i;
      else this.tracks.set(section.ssrc, { account: new StreamAccount(section.ssrc, section.clockRate || 90_000), index: i });
      if (section.rtxSsrc !== 0) this.rtxSsrcs.add(section.rtxSsrc);
    }
    this.counters[fieldIndex(this.slot, SubscriberField.tracks)] = live.length;
  }

  /** ICE against the offer's first UDP candidate, DTLS as client, then native receive with SRTP keys. */
  async connect(offer: SubscriberOffer, certificate: GeneratorCertificate): Promise<void> {
    const candidate = offer.udpCandidates[0];
    if (!candidate) throw new Error('subscriber offer has no UDP host candidate');
    this.serverIp = ipv4ToInt(candidate.address);
    this.serverPort = candidate.port;
    const send = (buf: Buffer) => {
      if (!this.closed && !this.receiving) this.socket.send(buf, candidate.port, candidate.address);
      else if (!this.closed) this.sendRaw(buf);
    };
    const ice = new IceController({ serverUfrag: offer.iceUfrag, serverPassword: offer.icePassword, localUfrag: this.localUfrag, send });
    const dtls = new DtlsClientHandshake(certificate, send);
    this.ice = ice;
    this.dtls = dtls;
    this.socket.on('message', (buf) => {
      if (buf[0]! < 4) ice.receive(buf);
      else if (buf[0]! >= 20 && buf[0]! < 64) dtls.receive(buf);
    });
    await ice.connect();
    const keys = await dtls.connect();
    if (this.closed) return;
    this.srtp = createSrtpSession({ ...keys, backend: 'native' });
    this.startNativeReceive();
  }

  /** Sends the transport-cc feedback due (the worker's ticker, every ~100 ms). */
  sendFeedback(): void {
    if (this.srtp === null || this.transportCcId === 0) return;
    for (let n = 0; n < MAX_FEEDBACK_PACKETS && this.twcc.pending; n++) {
      const end = this.twcc.buildFeedback(this.area.out, 0, this.ssrc);
      if (end === 0) break;
      this.sendRtcp(end);
    }
  }

  /** A receiver report with a block per media stream (the worker's ticker, every ~1 s). */
  sendReport(nowMs: number): void {
    if (this.srtp === null || this.tracks.size === 0) return;
    const blocks: ReportBlock[] = [];
    for (const track of this.tracks.values()) if (track.account.packets > 0) blocks.push({ ...track.account.report(nowMs, this.block) });
    this.sendRtcp(writeReceiverReport(this.area.out, 0, this.ssrc, blocks));
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.ice?.stop();
    this.dtls?.close();
    if (this.receiving) this.area.leave(this.fd, this.slot);
    this.srtp?.close();
    this.socket.close();
  }

  private startNativeReceive(): void {
    const fd = udpSocketFd(this.socket);
    if (fd === null || stopDgramReceive(this.socket) === null) throw new Error('lean subscriber: cannot take the socket from Node (udpSocketFd/stopDgramReceive)');
    this.fd = fd;
    this.area.join(fd, this.slot, this);
    this.receiving = true;
  }

  onDatagram(packet: Buffer, length: number, arrivalMs: number): void {
    const b0 = packet[0]!;
    if (b0 >= 128 && b0 < 192) {
      const pt = packet[1]!;
      if (pt >= 192 && pt <= 223) this.onRtcp(packet, length, arrivalMs);
      else this.onRtp(packet, length, arrivalMs);
    } else if (b0 < 4) {
      this.ice?.receive(packet.subarray(0, length));
    }
  }

  private onRtp(packet: Buffer, length: number, arrivalMs: number): void {
    const ssrc = packet.readUInt32BE(8);
    const track = this.tracks.get(ssrc);
    const counters = this.counters;
    if (this.transportCcId !== 0) {
      const seq = readTransportCcSeq(packet, this.transportCcId);
      if (seq >= 0) this.twcc.record(seq, arrivalMs * 1000, ssrc);
    }
    if (track === undefined) {
      counters[fieldIndex(this.slot, this.rtxSsrcs.has(ssrc) ? SubscriberField.rtxPackets : SubscriberField.otherPackets)]!++;
      return;
    }
    const account = track.account;
    const first = account.packets === 0;
    account.record(packet.readUInt16BE(2), packet.readUInt32BE(4), arrivalMs, length);
    const base = trackIndex(this.slot, track.index, 0);
    counters[base + TrackField.packets] = account.packets;
    counters[base + TrackField.bytes] = account.bytes;
    counters[base + TrackField.expected] = account.expected;
    counters[base + TrackField.duplicates] = account.duplicates;
    counters[base + TrackField.reordered] = account.reordered;
    counters[base + TrackField.jitterMs] = account.jitterMs;
    // The first packet of each stream is always opened: the SRTP rollover count is learnt from it.
    if (first || --this.sampleCountdown <= 0) {
      this.sampleCountdown = SAMPLE_EVERY;
      const opened = this.srtp!.unprotectRtp(packet, length) >= 0;
      counters[fieldIndex(this.slot, opened ? SubscriberField.samplesVerified : SubscriberField.samplesFailed)]!++;
    }
  }

  /** Sender Reports, for the LSR/DLSR of our receiver reports. */
  private onRtcp(packet: Buffer, length: number, arrivalMs: number): void {
    const n = this.srtp!.unprotectRtcp(packet, length);
    for (let at = 0; at + 8 <= n; at += (packet.readUInt16BE(at + 2) + 1) * 4) {
      if (packet[at + 1] !== RTCP_SR || at + 20 > n) continue;
      const track = this.tracks.get(packet.readUInt32BE(at + 4));
      track?.account.onSenderReport(packet.readUInt32BE(at + 8), packet.readUInt32BE(at + 12), arrivalMs);
    }
  }

  private sendRtcp(length: number): void {
    const sealed = this.srtp!.protectRtcp(this.area.out, length);
    if (sealed > 0) this.area.sendOut(this.fd, sealed, this.serverIp, this.serverPort);
  }

  /** STUN after the native receive took the socket: through sendmmsg too (see stopDgramReceive). */
  private sendRaw(buf: Buffer): void {
    if (buf.length > this.area.out.length - SRTCP_ROOM) return;
    buf.copy(this.area.out);
    this.area.sendOut(this.fd, buf.length, this.serverIp, this.serverPort);
  }
}

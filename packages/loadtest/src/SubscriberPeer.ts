import type { IceCandidate, MessageOf, ServerMessage } from '@confab/protocol';
import { RTCPeerConnection, type MediaStreamTrack, type RtpPacket } from 'werift';
import { IceTrickle } from './IceTrickle';
import { peerConfig, type PeerOptions } from './peerConfig';
import { RtpCounter } from './RtpCounter';
import type { SignalChannel } from './SignalChannel';
import { isKeyFrameStart } from './vp8';

/** One remote track received on the subscriber connection. */
export interface ReceivedTrack {
  readonly trackId: string;
  readonly participantId: string;
  mid: string;
  kind: 'audio' | 'video' | undefined;
  readonly counter: RtpCounter;
  /** Video: the picture height the last key frame announced (which simulcast layer arrives), 0 before one. */
  height?: number;
}

type SubscriberOffer = MessageOf<ServerMessage, 'offer'>;

/**
 * The subscriber connection: the server offers, we answer (docs/protocol.md step 4). Counts the RTP
 * arriving on each m-line against the track the latest offer says that mid carries.
 */
export class SubscriberPeer {
  readonly pc: RTCPeerConnection;
  /** By track id; kept after the track goes, so totals survive renegotiation. */
  readonly tracks = new Map<string, ReceivedTrack>();
  offers = 0;
  private readonly byMid = new Map<string, ReceivedTrack>();
  private readonly ice: IceTrickle;
  private readonly counted = new WeakSet<MediaStreamTrack>();
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly signal: SignalChannel,
    options: PeerOptions,
    private readonly onError: (error: unknown) => void,
  ) {
    this.pc = new RTCPeerConnection(peerConfig(options));
    this.ice = new IceTrickle(this.pc, 'subscriber', signal);
    this.pc.ontrack = ({ track, transceiver }) => {
      if (this.counted.has(track)) return; // werift fires ontrack again on every renegotiation
      this.counted.add(track);
      track.onReceiveRtp.subscribe((packet) => this.count(transceiver.mid, track.kind, packet));
    };
  }

  get connectionState(): string {
    return this.pc.connectionState;
  }

  /** Tracks the latest offer lists (what is being forwarded to us now). */
  get currentTracks(): ReceivedTrack[] {
    return [...this.byMid.values()];
  }

  addRemoteCandidate(candidate: IceCandidate | null): void {
    this.ice.addRemote(candidate);
  }

  handleOffer(offer: SubscriberOffer): void {
    const run = this.queue.then(() => this.answer(offer));
    this.queue = run.catch((error: unknown) => this.onError(error));
  }

  async close(): Promise<void> {
    await this.pc.close().catch(() => undefined);
  }

  private async answer(offer: SubscriberOffer): Promise<void> {
    await this.pc.setRemoteDescription({ type: 'offer', sdp: offer.sdp });
    this.byMid.clear();
    for (const entry of offer.tracks) {
      let track = this.tracks.get(entry.trackId);
      if (!track) {
        track = { trackId: entry.trackId, participantId: entry.participantId, mid: entry.mid, kind: undefined, counter: new RtpCounter() };
        this.tracks.set(entry.trackId, track);
      }
      track.mid = entry.mid;
      this.byMid.set(entry.mid, track);
    }
    this.ice.flushRemote();
    const answer = await this.pc.createAnswer();
    await this.pc.setLocalDescription(answer);
    this.signal.send({ type: 'answer', target: 'subscriber', revision: offer.revision, sdp: this.pc.localDescription?.sdp ?? answer.sdp });
    this.ice.openLocal();
    this.offers++;
  }

  private count(mid: string | null, kind: string, packet: RtpPacket): void {
    const track = mid === null ? undefined : this.byMid.get(mid);
    if (!track) return; // an m-line the offer does not list carries nothing
    track.kind = kind === 'video' ? 'video' : 'audio';
    const key = kind === 'video' && isKeyFrameStart(packet.payload);
    track.counter.record(packet.header.ssrc, packet.header.sequenceNumber, packet.payload.length, key);
    if (key) track.height = keyFrameHeight(packet.payload);
  }
}

/** The height in a VP8 key frame's header, after the payload descriptor; 0 if unreadable. */
function keyFrameHeight(payload: Buffer): number {
  let offset = 1;
  const b0 = payload[0] ?? 0;
  if (b0 & 0x80) {
    const b1 = payload[offset++] ?? 0;
    if (b1 & 0x80) offset += (payload[offset] ?? 0) & 0x80 ? 2 : 1;
    if (b1 & 0x40) offset += 1;
    if (b1 & 0x30) offset += 1;
  }
  if (payload.length < offset + 10 || payload[offset + 3] !== 0x9d) return 0;
  return payload.readUInt16LE(offset + 8) & 0x3fff;
}

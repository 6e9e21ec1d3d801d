import type { MediaStreamTrack, RTCRtpTransceiver, RtpPacket } from 'werift';
import type { OfferedTrack, TransportSignal } from '../../src/media/types';
import { HeadlessPeer } from './HeadlessPeer';
import { isKeyFrameStart } from '@confab/loadtest';
import { checkPayload } from './syntheticMedia';

export interface ReceivedTrack {
  kind: 'audio' | 'video';
  packets: number;
  bytes: number;
  keyFrames: number;
  corrupt: number;
  /** Date.now() of the first keyframe (video). */
  firstKeyFrameAt: number | undefined;
  /** The payload counters received (one per packet the publisher sent), for finding gaps. */
  counters: Set<number>;
}

/** Answers the server's offers and counts what arrives per producer, checking every payload. */
export class HeadlessSubscriber extends HeadlessPeer {
  readonly offers: { sdp: string; tracks: OfferedTrack[] }[] = [];
  private readonly producerByMid = new Map<string, string>();
  private readonly received = new Map<string, ReceivedTrack>();
  private readonly seenTracks = new WeakSet<MediaStreamTrack>();

  constructor(name: string) {
    super(name);
    this.pc.ontrack = ({ track, transceiver }) => this.listen(track, transceiver);
  }

  stats(producerId: string): ReceivedTrack {
    return this.received.get(producerId) ?? { kind: 'audio', packets: 0, bytes: 0, keyFrames: 0, corrupt: 0, firstKeyFrameAt: undefined, counters: new Set() };
  }

  packets(producerId: string): number {
    return this.stats(producerId).packets;
  }

  get lastOffer(): { sdp: string; tracks: OfferedTrack[] } | undefined {
    return this.offers.at(-1);
  }

  /** Sends a PLI for the track carrying `producerId`, as a browser does when it cannot decode. */
  async requestKeyFrame(producerId: string): Promise<void> {
    const mid = [...this.producerByMid].find(([, id]) => id === producerId)?.[0];
    const transceiver = this.pc.getTransceivers().find((t) => t.mid === mid);
    const ssrc = transceiver?.receiver.track.ssrc;
    if (!transceiver || ssrc === undefined) throw new Error(`no track for ${producerId}`);
    await transceiver.receiver.sendRtcpPLI(ssrc);
  }

  protected override async handleSignal(signal: TransportSignal): Promise<void> {
    if (signal.type !== 'offer') return super.handleSignal(signal);
    this.offers.push({ sdp: signal.sdp, tracks: signal.tracks });
    this.producerByMid.clear();
    for (const { mid, producerId } of signal.tracks) this.producerByMid.set(mid, producerId);
    // werift as answerer recycles a transceiver that went inactive for the next new remote m-line,
    // dropping the old mid, and then cannot answer ("Transceiver with mid=1 not found"). Browsers
    // don't; marking every transceiver as used keeps werift from doing it.
    for (const transceiver of this.pc.getTransceivers()) transceiver.usedForSender = true;
    await this.pc.setRemoteDescription({ type: 'offer', sdp: signal.sdp });
    const answer = await this.pc.createAnswer();
    await this.pc.setLocalDescription(answer);
    await this.transport?.applyAnswer(answer.sdp);
  }

  private listen(track: MediaStreamTrack, transceiver: RTCRtpTransceiver): void {
    if (this.seenTracks.has(track)) return;
    this.seenTracks.add(track);
    const kind = track.kind === 'video' ? 'video' : 'audio';
    track.onReceiveRtp.subscribe((packet: RtpPacket) => {
      const producerId = transceiver.mid === null ? undefined : this.producerByMid.get(transceiver.mid);
      if (producerId === undefined) return;
      let stats = this.received.get(producerId);
      if (!stats) {
        stats = { kind, packets: 0, bytes: 0, keyFrames: 0, corrupt: 0, firstKeyFrameAt: undefined, counters: new Set() };
        this.received.set(producerId, stats);
      }
      stats.packets++;
      stats.bytes += packet.payload.length;
      const counter = checkPayload(kind, packet.payload);
      if (counter === undefined) stats.corrupt++;
      else stats.counters.add(counter);
      if (kind === 'video' && isKeyFrameStart(packet.payload)) {
        stats.keyFrames++;
        stats.firstKeyFrameAt ??= Date.now();
      }
    });
  }
}

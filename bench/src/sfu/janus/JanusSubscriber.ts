import { RtpCounter, isKeyFrameStart, type RtpCount } from '@confab/loadtest';
import { JanusApi } from './JanusApi';
import { JanusPeer } from './JanusPeer';

/**
 * A subscriber to one publisher's feed in a Janus VideoRoom: Janus offers, a werift peer connection
 * answers, and the RTP of each track is counted as our headless subscribers count it (RtpCounter:
 * packets, and loss from sequence numbers), without decoding.
 */
export class JanusSubscriber {
  readonly errors: string[] = [];
  private readonly counters = new Map<string, RtpCounter>();
  private api: JanusApi | undefined;
  private peer: JanusPeer | undefined;

  constructor(
    private readonly url: string,
    private readonly room: number,
    private readonly feed: number,
    readonly name: string,
  ) {}

  async join(): Promise<void> {
    const api = await JanusApi.connect(this.url);
    this.api = api;
    const handle = await api.attachVideoRoom();
    const peer = new JanusPeer(api, handle, () => this.errors.push('subscriber connection failed (ICE/DTLS)'));
    this.peer = peer;
    peer.pc.ontrack = ({ track }) => {
      const counter = new RtpCounter();
      this.counters.set(track.kind, counter);
      track.onReceiveRtp.subscribe((packet) => {
        const key = track.kind === 'video' && isKeyFrameStart(packet.payload);
        counter.record(packet.header.ssrc, packet.header.sequenceNumber, packet.payload.length, key);
      });
    };
    const attached = await api.message(handle, { request: 'join', ptype: 'subscriber', room: this.room, streams: [{ feed: this.feed }] });
    if (!attached.jsep) throw new Error('janus: subscriber join answered without an SDP offer');
    await peer.pc.setRemoteDescription({ type: 'offer', sdp: attached.jsep.sdp });
    const answer = await peer.pc.createAnswer();
    await peer.pc.setLocalDescription(answer);
    await api.message(handle, { request: 'start' }, { type: 'answer', sdp: peer.pc.localDescription?.sdp ?? answer.sdp });
    peer.openTrickle();
  }

  /** Packets received so far on each track Janus offered (0 for tracks with none yet). */
  receivedPackets(): number[] {
    return [...this.counters.values()].map((c) => c.packets);
  }

  stats(): { received: RtpCount[]; subscriberState: string } {
    return { received: [...this.counters.values()].map((c) => c.snapshot()), subscriberState: this.peer?.connectionState ?? 'none' };
  }

  async close(): Promise<void> {
    await this.peer?.close();
    this.api?.close();
  }
}

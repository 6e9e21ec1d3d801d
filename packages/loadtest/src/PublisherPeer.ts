import type { IceCandidate, TrackSource } from '@confab/protocol';
import { RTCPeerConnection, type RTCRtpTransceiver } from 'werift';
import { IceTrickle } from './IceTrickle';
import { peerConfig, type PeerOptions } from './peerConfig';
import { expectReply, type SignalChannel } from './SignalChannel';
import type { SyntheticSource } from './SyntheticSource';

export interface PublishedTrack {
  readonly source: TrackSource;
  readonly mid: string;
  readonly media: SyntheticSource;
  readonly transceiver: RTCRtpTransceiver;
  /** PLIs the server sent for this track. */
  plis: number;
}

/**
 * The publisher connection: we offer, the server answers (docs/protocol.md step 3).
 * Negotiations run one at a time.
 */
export class PublisherPeer {
  readonly pc: RTCPeerConnection;
  readonly published = new Map<TrackSource, PublishedTrack>();
  private readonly ice: IceTrickle;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly signal: SignalChannel,
    options: PeerOptions,
  ) {
    this.pc = new RTCPeerConnection(peerConfig(options));
    this.ice = new IceTrickle(this.pc, 'publisher', signal);
  }

  get connectionState(): string {
    return this.pc.connectionState;
  }

  get plis(): number {
    let n = 0;
    for (const track of this.published.values()) n += track.plis;
    return n;
  }

  addRemoteCandidate(candidate: IceCandidate | null): void {
    this.ice.addRemote(candidate);
  }

  /** addTransceiver(sendonly) → offer → publish{source, mid} → offer{publisher} → apply answer; then media starts. */
  publish(source: TrackSource, media: SyntheticSource): Promise<PublishedTrack> {
    const run = this.queue.then(() => this.negotiatePublish(source, media));
    this.queue = run.catch(() => undefined);
    return run;
  }

  async close(): Promise<void> {
    for (const track of this.published.values()) track.media.stop();
    await this.pc.close().catch(() => undefined);
  }

  private async negotiatePublish(source: TrackSource, media: SyntheticSource): Promise<PublishedTrack> {
    if (this.published.has(source)) throw new Error(`${source} already published`);
    const transceiver = this.pc.addTransceiver(media.track, { direction: 'sendonly' });
    const offer = await this.pc.createOffer();
    await this.pc.setLocalDescription(offer);
    const mid = transceiver.mid;
    if (!mid) throw new Error(`publisher: no mid for ${source} after setLocalDescription`);
    await this.signal.request({ type: 'publish', source, mid });
    const sdp = this.pc.localDescription?.sdp ?? offer.sdp;
    const reply = expectReply(await this.signal.request({ type: 'offer', target: 'publisher', sdp }), 'answer');
    this.ice.openLocal();
    await this.pc.setRemoteDescription({ type: 'answer', sdp: reply.sdp });
    this.ice.flushRemote();

    const published: PublishedTrack = { source, mid, media, transceiver, plis: 0 };
    transceiver.sender.onPictureLossIndication.subscribe(() => {
      published.plis++;
      media.requestKeyFrame();
    });
    media.payloadType = transceiver.sender.codec?.payloadType;
    this.published.set(source, published);
    media.start();
    return published;
  }
}

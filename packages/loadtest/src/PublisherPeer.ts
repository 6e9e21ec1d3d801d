import type { IceCandidate, TrackSource } from '@confab/protocol';
import { RTCPeerConnection, type RTCRtpTransceiver } from 'werift';
import { IceTrickle } from './IceTrickle';
import { peerConfig, type PeerOptions } from './peerConfig';
import { expectReply, type SignalChannel } from './SignalChannel';
import { SimulcastVp8 } from './SimulcastVp8';
import type { SyntheticSource } from './SyntheticSource';

const RID_URI = 'urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id';
const MID_URI = 'urn:ietf:params:rtp-hdrext:sdes:mid';

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
    let sdp = this.pc.localDescription?.sdp ?? offer.sdp;
    // werift sends one SSRC per sender: a simulcast source sends its layers itself, declared as browsers do.
    if (media instanceof SimulcastVp8) sdp = withSimulcast(sdp, mid, media.rids);
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
    if (media instanceof SimulcastVp8) {
      const dtls = transceiver.sender.dtlsTransport;
      media.attach({
        send: (header, payload) => void dtls.sendRtp(payload, header).catch(() => undefined),
        mid,
        midId: extensionId(reply.sdp, MID_URI),
        ridId: extensionId(reply.sdp, RID_URI),
      });
      // PLIs name a layer's SSRC, which werift's sender does not know: read them off the transport.
      dtls.onRtcp.subscribe((packet) => {
        if (packet.type === 201) for (const report of packet.reports) media.acknowledge(report.ssrc);
        const feedback = (packet as { type?: number; feedback?: { count?: number; mediaSsrc?: number } }).feedback;
        if ((packet as { type?: number }).type === 206 && feedback?.count === 1 && feedback.mediaSsrc !== undefined) {
          published.plis++;
          media.requestLayerKeyFrame(feedback.mediaSsrc);
        }
      });
    }
    this.published.set(source, published);
    media.start();
    return published;
  }
}

/** The offer with `mid`'s m-section declaring rid simulcast (`a=rid:<rid> send`, `a=simulcast:send`) and the rid extension. */
export function withSimulcast(sdp: string, mid: string, rids: readonly string[]): string {
  const eol = sdp.includes('\r\n') ? '\r\n' : '\n';
  const sections = sdp.split(/(?=^m=)/m);
  const used = new Set([...sdp.matchAll(/^a=extmap:(\d+)/gm)].map((m) => Number(m[1])));
  let ridId = extensionId(sdp, RID_URI);
  if (ridId === 0) for (ridId = 1; used.has(ridId); ridId++);
  return sections
    .map((section) => {
      if (!new RegExp(`^a=mid:${mid}\\r?$`, 'm').test(section)) return section;
      const lines = section.replace(/(\r?\n)+$/, '').split(/\r?\n/);
      if (!section.includes(RID_URI)) lines.push(`a=extmap:${ridId} ${RID_URI}`);
      for (const rid of rids) lines.push(`a=rid:${rid} send`);
      lines.push(`a=simulcast:send ${rids.join(';')}`);
      return lines.join(eol) + eol;
    })
    .join('');
}

/** The id `uri` has in `sdp` (one BUNDLE: the same everywhere), or 0. */
function extensionId(sdp: string, uri: string): number {
  const match = new RegExp(`^a=extmap:(\\d+)(?:/\\S+)? ${uri.replace(/[.:]/g, (c) => `\\${c}`)}\\r?$`, 'm').exec(sdp);
  return match ? Number(match[1]) : 0;
}

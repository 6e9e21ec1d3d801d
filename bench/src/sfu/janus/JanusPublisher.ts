import { SyntheticOpus, SyntheticVp8, type SyntheticSource } from '@confab/loadtest';
import { JanusApi } from './JanusApi';
import { JanusPeer } from './JanusPeer';

const CONNECT_TIMEOUT_MS = 20_000;

/**
 * The bench's publisher on Janus: the same synthetic Opus and VP8 (same bitrate and packet rate)
 * as on our server, sent by a werift peer connection, published in a VideoRoom with one
 * `configure` carrying both tracks. Its feed id is what subscribers ask for.
 */
export class JanusPublisher {
  readonly errors: string[] = [];
  readonly sources: SyntheticSource[];
  feed = 0;
  private api: JanusApi | undefined;
  private peer: JanusPeer | undefined;

  constructor(
    private readonly url: string,
    private readonly room: number,
    private readonly name: string,
    bitrate: number,
  ) {
    this.sources = [new SyntheticOpus(), new SyntheticVp8({ bitrate })];
  }

  /** Packets sent so far, both tracks. */
  sentPackets(): number {
    return this.sources.reduce((n, s) => n + s.sent.packets, 0);
  }

  /** Joins the room as publisher, negotiates both tracks, starts sending. */
  async publish(): Promise<void> {
    const api = await JanusApi.connect(this.url);
    this.api = api;
    const handle = await api.attachVideoRoom();
    const joined = await api.message(handle, { request: 'join', ptype: 'publisher', room: this.room, display: this.name });
    this.feed = Number(joined.plugindata?.data['id'] ?? 0);
    const peer = new JanusPeer(api, handle, () => this.errors.push('publisher connection failed (ICE/DTLS)'));
    this.peer = peer;
    const transceivers = this.sources.map((source) => peer.pc.addTransceiver(source.track, { direction: 'sendonly' }));
    const offer = await peer.pc.createOffer();
    await peer.pc.setLocalDescription(offer);
    const reply = await api.message(handle, { request: 'configure', audio: true, video: true }, { type: 'offer', sdp: peer.pc.localDescription?.sdp ?? offer.sdp });
    if (!reply.jsep) throw new Error('janus: configure answered without an SDP answer');
    peer.openTrickle();
    await peer.pc.setRemoteDescription({ type: 'answer', sdp: reply.jsep.sdp });
    this.sources.forEach((source, i) => {
      const sender = transceivers[i]!.sender;
      source.payloadType = sender.codec?.payloadType;
      sender.onPictureLossIndication.subscribe(() => source.requestKeyFrame());
      source.start();
    });
    await peer.connected(CONNECT_TIMEOUT_MS);
  }

  async close(): Promise<void> {
    for (const source of this.sources) source.stop();
    await this.peer?.close();
    this.api?.close();
  }
}

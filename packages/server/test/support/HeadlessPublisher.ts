import { GenericNack, MediaStreamTrack, RtcpRrPacket, RtcpTransportLayerFeedback, RtpHeader, RtpPacket, type RTCRtpSender } from 'werift';
import { HeadlessPeer } from './HeadlessPeer';
import { opusPayload, vp8Payload } from './syntheticMedia';

const TICK_MS = 20;

/**
 * Sends a synthetic Opus track (one packet per 20 ms) and a VP8 track (one single-packet frame per
 * 20 ms). Video is a keyframe only at the start and when the server asks (PLI), like an encoder
 * with a very long keyframe interval, so a subscriber seeing a keyframe proves the PLI path.
 */
export class HeadlessPublisher extends HeadlessPeer {
  readonly audioTrack = new MediaStreamTrack({ kind: 'audio' });
  readonly videoTrack = new MediaStreamTrack({ kind: 'video' });
  private readonly videoSender: RTCRtpSender;
  pliCount = 0;
  keyFramesSent = 0;
  /** The last REMB the server sent, bits per second. */
  remb: bigint | undefined = undefined;
  /** Receiver reports and NACKs from the server about our video. */
  receiverReports = 0;
  nacks = 0;
  private timer: NodeJS.Timeout | undefined = undefined;
  private counter = 0;
  private keyFrameWanted = true;

  constructor(name: string) {
    super(name);
    this.pc.addTransceiver(this.audioTrack, { direction: 'sendonly' });
    this.videoSender = this.pc.addTransceiver(this.videoTrack, { direction: 'sendonly' }).sender;
    this.videoSender.onPictureLossIndication.subscribe(() => {
      this.pliCount++;
      this.keyFrameWanted = true;
    });
    this.videoSender.onRtcp.subscribe((packet) => {
      if (packet.type === RtcpRrPacket.type) this.receiverReports++;
      if (packet.type === RtcpTransportLayerFeedback.type && packet.feedback.count === GenericNack.count) this.nacks++;
      if (this.videoSender.receiverEstimatedMaxBitrate !== undefined) this.remb = this.videoSender.receiverEstimatedMaxBitrate;
    });
  }

  get mids(): { audio: string; video: string } {
    const [audio, video] = this.pc.getTransceivers();
    if (!audio?.mid || !video?.mid) throw new Error('not negotiated yet');
    return { audio: audio.mid, video: video.mid };
  }

  /** Offers to the server transport and applies its answer. */
  async negotiate(): Promise<void> {
    await this.sendOffer(await this.createOffer());
  }

  /** First half of negotiate(): after it the mids are known, before the server has seen the offer. */
  async createOffer(): Promise<string> {
    const offer = await this.pc.createOffer();
    await this.pc.setLocalDescription(offer);
    return offer.sdp;
  }

  async sendOffer(sdp: string): Promise<void> {
    const transport = this.transport;
    if (!transport) throw new Error('attach a transport first');
    await transport.applyOffer(sdp);
    await this.settled();
  }

  startMedia(): void {
    this.timer ??= setInterval(() => this.tick(), TICK_MS);
  }

  stopMedia(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  override async close(): Promise<void> {
    this.stopMedia();
    await super.close();
  }

  protected override async handleSignal(signal: Parameters<HeadlessPeer['handleSignal']>[0]): Promise<void> {
    if (signal.type === 'answer') await this.pc.setRemoteDescription({ type: 'answer', sdp: signal.sdp });
    else await super.handleSignal(signal);
  }

  private tick(): void {
    if (this.pc.connectionState !== 'connected') return;
    const n = this.counter++;
    const seq = n & 0xffff;
    this.audioTrack.writeRtp(new RtpPacket(new RtpHeader({ sequenceNumber: seq, timestamp: (n * 960) >>> 0, payloadType: 111, marker: false }), opusPayload(n)));
    const keyFrame = this.keyFrameWanted;
    this.keyFrameWanted = false;
    if (keyFrame) this.keyFramesSent++;
    this.videoTrack.writeRtp(
      new RtpPacket(new RtpHeader({ sequenceNumber: seq, timestamp: (n * 1800) >>> 0, payloadType: 96, marker: true }), vp8Payload(n, keyFrame)),
    );
  }
}

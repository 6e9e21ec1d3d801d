import { RTCPeerConnection, RTCRtpCodecParameters, useAudioLevelIndication, useSdesMid } from 'werift';
import type { Transport, TransportSignal } from '../../src/media/types';

/**
 * A browser stand-in built on werift, wired to a server Transport in-process: the test plays the
 * signaling channel, so signals are applied in order, one at a time, as a client SDK would.
 */
export class HeadlessPeer {
  readonly pc: RTCPeerConnection;
  /** Anything that went wrong while applying signals; tests assert it stays empty. */
  readonly errors: unknown[] = [];
  protected transport: Transport | undefined;
  private chain: Promise<void> = Promise.resolve();

  constructor(readonly name: string) {
    this.pc = new RTCPeerConnection({
      bundlePolicy: 'max-bundle',
      iceServers: [],
      iceAdditionalHostAddresses: ['127.0.0.1'],
      codecs: {
        audio: [new RTCRtpCodecParameters({ mimeType: 'audio/opus', clockRate: 48000, channels: 2, payloadType: 111 })],
        video: [
          new RTCRtpCodecParameters({
            mimeType: 'video/VP8',
            clockRate: 90000,
            payloadType: 96,
            // What Chrome offers, transport-cc included: the server must strip it.
            rtcpFeedback: [{ type: 'nack' }, { type: 'nack', parameter: 'pli' }, { type: 'goog-remb' }, { type: 'transport-cc' }],
          }),
          new RTCRtpCodecParameters({ mimeType: 'video/rtx', clockRate: 90000, payloadType: 97, parameters: 'apt=96' }),
        ],
      },
      headerExtensions: { audio: [useSdesMid(), useAudioLevelIndication()], video: [useSdesMid()] },
    });
    this.pc.onIceCandidate.subscribe((candidate) => {
      const transport = this.transport;
      if (transport) this.track(transport.addRemoteCandidate(candidate ? { ...candidate, candidate: candidate.candidate ?? '' } : null));
    });
  }

  /** Pass as TransportOptions.onSignal. */
  readonly onSignal = (signal: TransportSignal): void => {
    this.enqueue(() => this.handleSignal(signal));
  };

  attach(transport: Transport): void {
    this.transport = transport;
  }

  get connectionState(): string {
    return this.pc.connectionState;
  }

  /** The UDP port of our host candidate (what the server sends to). */
  get localUdpPort(): number {
    const port = /^a=candidate:\S+ 1 udp \d+ 127\.0\.0\.1 (\d+) typ host/m.exec(this.pc.localDescription?.sdp ?? '')?.[1];
    if (port === undefined) throw new Error(`${this.name} has no UDP host candidate yet`);
    return Number(port);
  }

  /** Resolves once every signal received so far has been applied. */
  settled(): Promise<void> {
    return this.chain;
  }

  async close(): Promise<void> {
    await this.settled();
    await this.pc.close();
  }

  protected async handleSignal(signal: TransportSignal): Promise<void> {
    if (signal.type === 'candidate') await this.pc.addIceCandidate(signal.candidate ?? null);
  }

  protected enqueue(step: () => Promise<void>): void {
    this.chain = this.chain.then(step).catch((err: unknown) => {
      this.errors.push(err);
    });
  }

  protected track(promise: Promise<unknown>): void {
    promise.catch((err: unknown) => this.errors.push(err));
  }
}

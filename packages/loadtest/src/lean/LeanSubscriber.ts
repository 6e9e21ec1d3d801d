import { PROTOCOL_VERSION, RoomName, type MessageOf, type ServerMessage } from '@confab/protocol';
import { expectReply, SignalChannel } from '../SignalChannel';
import type { GeneratorCertificate } from './DtlsClientHandshake';
import { fieldIndex, LeanState, SubscriberField } from './leanCounters';
import { LeanMediaPath } from './LeanMediaPath';
import { readSubscriberOffer, writeLeanAnswer } from './leanSdp';
import type { ReceiveArea } from './ReceiveArea';

export interface LeanSubscriberOptions {
  url: string;
  room: string;
  name: string;
  hostAddress: string;
  certificate: GeneratorCertificate;
  area: ReceiveArea;
  counters: Float64Array;
  /** Its record in `counters`. */
  slot: number;
  onError(message: string): void;
}

/** What a lean subscriber has no use for: everyone else's presence, counted by seq only (SignalChannel.skipTypes). */
const PRESENCE_TYPES: ReadonlySet<string> = new Set(['participant_joined', 'participant_left', 'participant_updated', 'connection_quality', 'active_speakers']);

/**
 * A subscriber without a peer connection: joins over the real signaling protocol, answers each
 * subscriber offer by accepting what it offers, connects its one UDP path (ICE, DTLS) on the first,
 * and from then on only counts what arrives (LeanMediaPath). It publishes nothing.
 */
export class LeanSubscriber {
  private signal: SignalChannel | null = null;
  private media: LeanMediaPath | null = null;
  private connecting: Promise<void> | null = null;
  private closed = false;

  constructor(private readonly options: LeanSubscriberOptions) {}

  get path(): LeanMediaPath | null {
    return this.media;
  }

  async join(): Promise<void> {
    const { options } = this;
    this.media = await LeanMediaPath.open(options.area, options.counters, options.slot, options.hostAddress);
    const signal = await SignalChannel.connect(options.url);
    this.signal = signal;
    signal.skipTypes = PRESENCE_TYPES;
    signal.onError = (error) => options.onError(error.message);
    signal.onClose = (code) => {
      if (!this.closed && code !== 1000) options.onError(`socket closed by server (${code})`);
    };
    signal.onMessage = (message) => this.handle(message);
    const reply = await signal.request({ type: 'join', v: PROTOCOL_VERSION, room: RoomName.parse(options.room), name: options.name });
    expectReply(reply, 'joined');
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.media?.close();
    this.setState(LeanState.closed);
    await this.signal?.close();
  }

  private handle(message: ServerMessage): void {
    if (message.type === 'offer') this.answer(message);
    else if (message.type === 'error') this.options.onError(`server error ${message.code}: ${message.message}`);
  }

  private answer(message: MessageOf<ServerMessage, 'offer'>): void {
    const media = this.media;
    if (media === null || this.closed) return;
    try {
      const offer = readSubscriberOffer(message.sdp);
      media.setOffer(offer);
      const sdp = writeLeanAnswer(offer, { iceUfrag: media.localUfrag, icePassword: media.localPassword, fingerprint: this.options.certificate.fingerprint });
      this.signal?.send({ type: 'answer', target: 'subscriber', revision: message.revision, sdp });
      this.connecting ??= media.connect(offer, this.options.certificate).then(
        () => this.setState(LeanState.connected),
        (error: unknown) => {
          this.setState(LeanState.failed);
          this.options.onError(`media: ${(error as Error).message}`);
        },
      );
    } catch (error) {
      this.options.onError(`offer: ${(error as Error).message}`);
    }
  }

  private setState(state: number): void {
    this.options.counters[fieldIndex(this.options.slot, SubscriberField.state)] = state;
  }
}

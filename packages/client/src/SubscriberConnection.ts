import type { IceCandidate, MessageOf, ServerMessage } from '@confab/protocol';
import { ConfabError } from './errors';
import { reconcileMids, type MidEntry } from './midMap';
import { PeerLink, type Signaller } from './PeerLink';
import { SerialQueue } from './SerialQueue';

/** One offered m-line and, once it arrived, the media on it. */
export interface SubscriberSlot extends MidEntry {
  mediaStreamTrack?: MediaStreamTrack;
  receiver?: RTCRtpReceiver;
}

export interface SubscriberCallbacks {
  /** Media for `slot` arrived (`slot.mediaStreamTrack` and `slot.receiver` are set). Once per slot. */
  onTrack(slot: SubscriberSlot): void;
  /** A slot that had media is no longer offered. */
  onTrackEnded(slot: SubscriberSlot): void;
  onError(error: ConfabError): void;
  /** Fetches fresh TURN credentials before ICE restarts; resolves even when that fails. */
  renewIceServers?(): Promise<void>;
}

type SubscriberOffer = MessageOf<ServerMessage, 'offer'>;

/** The answer to an offer without media sections: a session description with none either. */
const EMPTY_ANSWER = 'v=0\r\no=- 0 0 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n';

/**
 * The subscriber peer connection: the server offers, the client answers (docs/protocol.md step 4).
 * Keeps the mid → {trackId, participantId} table from each offer's `tracks` and resolves every
 * incoming `track` event through it.
 */
export class SubscriberConnection {
  private readonly queue = new SerialQueue();
  private readonly link: PeerLink;
  /** Receivers whose `track` event has fired; a reused m-line does not fire it again. */
  private readonly firedReceivers = new WeakSet<RTCRtpReceiver>();
  private slots = new Map<string, SubscriberSlot>();
  private firstOfferDone!: () => void;
  /** Settles once the first offer has been answered (or failed): media is on its way from then on. */
  readonly firstOfferHandled = new Promise<void>((resolve) => (this.firstOfferDone = resolve));

  constructor(
    readonly pc: RTCPeerConnection,
    private readonly signal: Signaller,
    private readonly callbacks: SubscriberCallbacks,
  ) {
    this.link = new PeerLink(pc, 'subscriber', signal, (error) => callbacks.onError(error));
    // The server offers on this connection, so it restarts ICE: ask it to, with fresh credentials applied first.
    this.link.onIceFailed = () => {
      const renew = callbacks.renewIceServers?.() ?? Promise.resolve();
      renew.then(() => signal.request({ type: 'restart_ice' })).catch((error: unknown) => {
        const confabError = ConfabError.wrap(error);
        if (confabError.code !== 'closed') callbacks.onError(confabError);
      });
    };
    pc.ontrack = (event) => this.onTrackEvent(event);
  }

  /** Settles at the connection's first local ICE candidate (or the end of gathering without one). */
  get firstCandidate(): Promise<void> {
    return this.link.firstCandidate;
  }

  /** Settles once the connection is past connecting for the first time (PeerLink.firstConnected). */
  get firstConnected(): Promise<void> {
    return this.link.firstConnected;
  }

  /** The slot currently carrying `trackId`, if any. */
  slotFor(trackId: string): SubscriberSlot | undefined {
    for (const slot of this.slots.values()) if (slot.trackId === trackId) return slot;
    return undefined;
  }

  /** Applies a server offer and answers it. Offers are handled one at a time, in order. */
  handleOffer(offer: SubscriberOffer): Promise<void> {
    return this.queue.run(async () => {
      if (this.link.closed) return;
      if (offer.tracks.length === 0 && !/^m=/m.test(offer.sdp)) {
        // Nothing to receive yet (ICE restarted on a new transport: a resume, a room move). A browser
        // with max-bundle refuses SDP without a BUNDLE group, and there is nothing to apply: answer
        // with an empty description too, so that the server's next offer can come.
        this.answer(offer.revision, EMPTY_ANSWER);
        return;
      }
      const { next, removed } = reconcileMids(this.slots, offer.tracks, (entry): SubscriberSlot => ({ ...entry }));
      this.slots = next;
      for (const slot of removed) if (slot.mediaStreamTrack) this.callbacks.onTrackEnded(slot);

      await this.pc.setRemoteDescription({ type: 'offer', sdp: offer.sdp });
      if (this.link.closed) return;
      this.link.flushCandidates();
      this.resolveReusedMids();
      const answer = await this.pc.createAnswer();
      await this.pc.setLocalDescription(answer);
      if (this.link.closed) return;
      this.answer(offer.revision, this.pc.localDescription?.sdp ?? answer.sdp ?? '');
    }).catch((error: unknown) => {
      if (!this.link.closed) this.callbacks.onError(ConfabError.connectionFailed('subscriber: could not apply the server offer', error));
    }).finally(this.firstOfferDone);
  }

  private answer(revision: number, sdp: string): void {
    this.signal.request({ type: 'answer', target: 'subscriber', revision, sdp }).catch((error: unknown) => {
      const confabError = ConfabError.wrap(error);
      if (confabError.code !== 'closed') this.callbacks.onError(confabError);
    });
  }

  addRemoteCandidate(candidate: IceCandidate | null): void {
    this.link.addRemoteCandidate(candidate);
  }

  close(): void {
    this.pc.ontrack = null;
    if (this.link.close()) this.slots.clear();
  }

  private onTrackEvent(event: RTCTrackEvent): void {
    this.firedReceivers.add(event.receiver);
    const mid = event.transceiver?.mid;
    const slot = mid == null ? undefined : this.slots.get(mid);
    if (slot) this.attach(slot, event.track, event.receiver);
  }

  /** Slots on m-lines whose receiver fired `track` for an earlier offer get that receiver's track now. */
  private resolveReusedMids(): void {
    for (const transceiver of this.pc.getTransceivers()) {
      const slot = transceiver.mid === null ? undefined : this.slots.get(transceiver.mid);
      if (slot && !slot.mediaStreamTrack && this.firedReceivers.has(transceiver.receiver)) {
        this.attach(slot, transceiver.receiver.track, transceiver.receiver);
      }
    }
  }

  private attach(slot: SubscriberSlot, track: MediaStreamTrack, receiver: RTCRtpReceiver): void {
    if (slot.mediaStreamTrack) return;
    slot.mediaStreamTrack = track;
    slot.receiver = receiver;
    this.callbacks.onTrack(slot);
  }
}

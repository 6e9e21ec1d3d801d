import type { IceCandidate, TrackSource } from '@confab/protocol';
import { ConfabError } from './errors';
import { PeerLink, type Signaller } from './PeerLink';
import { updateSenderParameters } from './senderParameters';
import { SerialQueue } from './SerialQueue';
import { preferCodec, sendEncodingsFor, type VideoPublishDefaults } from './videoEncoding';

/** One track to publish. */
export interface PublishItem {
  source: TrackSource;
  track: MediaStreamTrack;
  stream?: MediaStream;
  /** Announced muted: it sends nothing until unmuted. */
  muted?: boolean;
}

/**
 * The publisher peer connection: the client offers, the server answers (docs/protocol.md step 3).
 * Negotiations run one at a time through a queue, so a publish never overlaps an unpublish.
 */
export class PublisherConnection {
  private readonly queue = new SerialQueue();
  private readonly link: PeerLink;

  constructor(
    readonly pc: RTCPeerConnection,
    private readonly signal: Signaller,
    onError: (error: ConfabError) => void,
    /** Runs before each ICE restart this connection starts: fetches fresh TURN credentials. */
    private readonly renewIceServers: () => Promise<void> = async () => undefined,
    private readonly video: VideoPublishDefaults = {},
  ) {
    this.link = new PeerLink(pc, 'publisher', signal, onError);
    this.link.onIceFailed = () => this.restartIce().catch((error: unknown) => onError(ConfabError.wrap(error)));
  }

  /**
   * Adds a sendonly transceiver for `track`, offers it and announces it as `source`. Resolves with
   * the transceiver once the server's answer is applied; on failure the transceiver is removed again.
   */
  async publish(source: TrackSource, track: MediaStreamTrack, stream?: MediaStream, muted = false): Promise<RTCRtpTransceiver> {
    const [transceiver] = await this.publishAll([{ source, track, ...(stream ? { stream } : {}), muted }]);
    return transceiver!;
  }

  /**
   * Several tracks in one negotiation: one offer carrying them all, each announced, one answer
   * (a connection rebuilt after a move publishes everything at once, not one round trip after
   * another). Resolves with the transceivers in order; on any failure all of them are removed again.
   */
  publishAll(items: readonly PublishItem[]): Promise<RTCRtpTransceiver[]> {
    return this.queue.run(async () => {
      this.assertOpen();
      const transceivers = items.map((item) => this.addSender(item));
      const announced: TrackSource[] = [];
      try {
        const offer = await this.pc.createOffer();
        await this.pc.setLocalDescription(offer);
        // Settled, not Promise.all: on a refusal every other request has its answer before the
        // rollback, so each one the server accepted is unpublished again.
        const replies = await Promise.allSettled(
          items.map(async ({ source, muted }, i) => {
            const mid = transceivers[i]!.mid;
            if (mid === null) throw ConfabError.connectionFailed('publisher: transceiver has no mid after setLocalDescription');
            await this.signal.request({ type: 'publish', source, mid, ...(muted ? { muted } : {}) });
            announced.push(source);
          }),
        );
        const refused = replies.find((r): r is PromiseRejectedResult => r.status === 'rejected');
        if (refused) throw refused.reason;
        await this.exchange(this.pc.localDescription?.sdp ?? offer.sdp ?? '');
        for (let i = 0; i < items.length; i++) if (items[i]!.source === 'screen') await this.keepResolution(transceivers[i]!.sender);
        return transceivers;
      } catch (error) {
        await this.rollback();
        for (const transceiver of transceivers) {
          this.detach(transceiver);
          try {
            transceiver.stop();
          } catch {
            // not supported or already stopped
          }
        }
        for (const source of announced) this.signal.request({ type: 'unpublish', source }).catch(() => undefined);
        throw ConfabError.wrap(error);
      }
    });
  }

  /** A sendonly transceiver for one track, with its encodings and codec preference. */
  private addSender({ source, track, stream }: PublishItem): RTCRtpTransceiver {
    const init: RTCRtpTransceiverInit = { direction: 'sendonly', streams: stream ? [stream] : [] };
    if (source !== 'microphone') {
      // A screen share is read, not watched: keep text sharp and drop frames instead.
      if (source === 'screen' && 'contentHint' in track && !track.contentHint) track.contentHint = 'detail';
      init.sendEncodings = sendEncodingsFor(source, this.video);
    }
    const transceiver = this.pc.addTransceiver(track, init);
    if (source !== 'microphone') this.preferCodec(transceiver);
    return transceiver;
  }

  /**
   * Sends `unpublish`, removes the transceiver's track and renegotiates (docs/protocol.md step 6).
   * The local side is cleaned up even if the server's reply is an error; that error is rethrown.
   */
  unpublish(source: TrackSource, transceiver: RTCRtpTransceiver): Promise<void> {
    return this.queue.run(async () => {
      this.assertOpen();
      let failure: unknown;
      try {
        await this.signal.request({ type: 'unpublish', source });
      } catch (error) {
        if (!(error instanceof ConfabError && error.code === 'not_found')) failure = error;
      }
      this.detach(transceiver);
      if (failure instanceof ConfabError && failure.code === 'closed') throw failure;
      if (this.link.closed) return; // replaced meanwhile (a media reset): nothing left to renegotiate
      try {
        await this.negotiate();
      } catch (error) {
        failure ??= error;
      }
      if (failure !== undefined) throw ConfabError.wrap(failure);
    });
  }

  /**
   * After a resume: offers again with fresh ICE credentials so media finds its way over whatever
   * path the network now has. Waits for any negotiation in flight (its answer is replayed).
   * `renew`: first fetch new ICE servers (TURN credentials may have expired); false when the
   * caller has just applied fresh ones (from `resumed`).
   */
  restartIce(renew = true): Promise<void> {
    return this.queue.run(async () => {
      if (this.link.closed) return;
      if (renew) await this.renewIceServers();
      if (this.link.closed) return;
      await this.rollback();
      await this.negotiate(true);
    });
  }

  addRemoteCandidate(candidate: IceCandidate | null): void {
    this.link.addRemoteCandidate(candidate);
  }

  close(): void {
    this.link.close();
  }

  /** Offer the current transceivers and apply the answer. */
  private async negotiate(iceRestart = false): Promise<void> {
    try {
      const offer = await this.pc.createOffer({ iceRestart });
      await this.pc.setLocalDescription(offer);
      await this.exchange(this.pc.localDescription?.sdp ?? offer.sdp ?? '');
    } catch (error) {
      await this.rollback();
      throw error;
    }
  }

  /** Puts the configured codec first; the others stay behind it as fallbacks the server may pick. */
  private preferCodec(transceiver: RTCRtpTransceiver): void {
    const codec = this.video.videoCodec ?? 'vp8';
    const capabilities = globalThis.RTCRtpSender?.getCapabilities?.('video');
    if (!capabilities || typeof transceiver.setCodecPreferences !== 'function') return;
    const ordered = preferCodec(capabilities.codecs, codec);
    if (!ordered) return; // this browser cannot encode it: its own default order
    try {
      transceiver.setCodecPreferences(ordered);
    } catch {
      // a browser that refuses a reordering keeps its default order
    }
  }

  /** Under a tight budget a screen share lowers its frame rate, never its resolution. */
  private async keepResolution(sender: RTCRtpSender): Promise<void> {
    if (typeof sender.getParameters !== 'function') return;
    await updateSenderParameters(sender, (parameters) => {
      if (parameters.degradationPreference === 'maintain-resolution') return false;
      parameters.degradationPreference = 'maintain-resolution';
      return true;
    }).catch(() => undefined); // not every browser lets it be set; the content hint still applies
  }

  private async exchange(sdp: string): Promise<void> {
    const answer = await this.signal.request({ type: 'offer', target: 'publisher', sdp });
    this.assertOpen();
    await this.pc.setRemoteDescription({ type: 'answer', sdp: answer.sdp });
    this.link.flushCandidates();
  }

  private async rollback(): Promise<void> {
    if (this.link.closed || this.pc.signalingState !== 'have-local-offer') return;
    try {
      await this.pc.setLocalDescription({ type: 'rollback' });
    } catch {
      // nothing more to undo
    }
  }

  private detach(transceiver: RTCRtpTransceiver): void {
    if (this.link.closed) return;
    try {
      this.pc.removeTrack(transceiver.sender);
    } catch {
      // already removed or the connection is closing
    }
  }

  private assertOpen(): void {
    if (this.link.closed) throw ConfabError.closed('publisher connection closed');
  }
}

import { kindOfSource, MAX_CHAT_LENGTH, type MessageOf, type ParticipantInfo, type PresenceStatus, type ServerMessage, type TrackSource } from '@confab/protocol';
import { Dynacast } from './Dynacast';
import { ConfabError } from './errors';
import { RoomEvent, type EmitRoomEvent } from './events';
import { LocalTrack } from './LocalTrack';
import { captureDevice, captureScreen, type CaptureConstraints } from './media';
import { isTrack } from './initialCapture';
import type { Signaller } from './PeerLink';
import type { PublisherConnection } from './PublisherConnection';
import { SerialQueue } from './SerialQueue';
import { setSenderTrack } from './senderTrack';

/** @internal What a LocalParticipant needs from its room. */
export interface LocalParticipantContext {
  readonly signal: Signaller;
  /** Replaced after a full rejoin. */
  publisher: PublisherConnection;
  readonly emit: EmitRoomEvent;
}

/** You, in the room: publish and control your tracks, presence, hand and chat. */
export class LocalParticipant {
  private participantId: string;
  name: string;
  status: PresenceStatus;
  /** Who you are to the app: the access token's subject, or (open mode) this browser's id. */
  identity: string;
  private hand: boolean;
  private isModerator: boolean;
  private readonly trackMap = new Map<TrackSource, LocalTrack>();
  /** The server's id of each source we publish: its track_published can arrive before our publish call returns. */
  private readonly trackIds = new Map<TrackSource, string>();
  /** Sources with a publish or unpublish in flight. */
  private readonly busy = new Set<TrackSource>();
  /** Mute and device switches, one at a time. */
  private readonly controls = new SerialQueue();
  private readonly endedListeners = new Map<LocalTrack, () => void>();
  /** Switches our simulcast layers on and off as the server asks. */
  private readonly dynacast: Dynacast;

  /** @internal created by Room */
  constructor(
    self: ParticipantInfo,
    private readonly context: LocalParticipantContext,
  ) {
    this.participantId = self.id;
    this.name = self.name;
    this.status = self.status;
    this.identity = self.identity;
    this.hand = self.handRaised;
    this.isModerator = self.moderator;
    this.dynacast = new Dynacast((error) => this.context.emit(RoomEvent.Error, ConfabError.wrap(error)));
  }

  /** Your participant id; a new one after a full rejoin (a resume keeps it). */
  get id(): string {
    return this.participantId;
  }

  get tracks(): ReadonlyMap<TrackSource, LocalTrack> {
    return this.trackMap;
  }

  get handRaised(): boolean {
    return this.hand;
  }

  /** Whether you may moderate the room (as `room.permissions.moderator`). */
  get moderator(): boolean {
    return this.isModerator;
  }

  /** Captures the microphone (getUserMedia audio) and publishes it. */
  publishMicrophone(constraints?: MediaTrackConstraints | { deviceId?: string }): Promise<LocalTrack> {
    return this.captureAndPublish('microphone', () => captureDevice('microphone', constraints ?? true));
  }

  /** Captures the camera (getUserMedia video) and publishes it. */
  publishCamera(constraints?: MediaTrackConstraints | { deviceId?: string }): Promise<LocalTrack> {
    return this.captureAndPublish('camera', () => captureDevice('camera', constraints ?? true));
  }

  /**
   * Asks for a screen to share (getDisplayMedia) and publishes it. When the user stops sharing
   * from the browser's own UI, the track is unpublished automatically.
   */
  publishScreen(): Promise<LocalTrack> {
    return this.captureAndPublish('screen', captureScreen);
  }

  /** Publishes a track you captured yourself; the SDK will not stop it. */
  publishTrack(track: MediaStreamTrack, source: TrackSource): Promise<LocalTrack> {
    return this.publish(track, source, false);
  }

  /** Unpublishes `source` (no-op if it is not published). Tracks the SDK captured are stopped. */
  async unpublish(source: TrackSource): Promise<void> {
    const track = this.trackMap.get(source);
    if (!track || this.busy.has(source)) return;
    this.busy.add(source);
    this.trackMap.delete(source);
    this.trackIds.delete(source);
    this.forgetEnded(track);
    if (source !== 'microphone') this.dynacast.unbind(source);
    try {
      await this.context.publisher.unpublish(source, track.transceiver);
    } finally {
      this.busy.delete(source);
      track.stopIfOwned();
      this.context.emit(RoomEvent.LocalTrackUnpublished, track);
    }
  }

  /**
   * Mutes or unmutes `source`. Muting detaches the track from its sender (setSenderTrack), so
   * it costs no uplink; the server stops forwarding it and tells the others.
   */
  setMuted(source: TrackSource, muted: boolean): Promise<void> {
    return this.controls.run(async () => {
      const track = this.requireTrack(source);
      if (track.muted === muted) return;
      const sender = track.transceiver.sender;
      await setSenderTrack(sender, muted ? null : track.mediaStreamTrack);
      try {
        await this.context.signal.request({ type: 'mute', source, muted });
      } catch (error) {
        await setSenderTrack(sender, muted ? track.mediaStreamTrack : null).catch(() => undefined);
        throw error;
      }
      track.markMuted(muted);
      this.context.emit(RoomEvent.TrackMuted, track, this);
    });
  }

  /** Switches the microphone or camera to `deviceId` without renegotiating (sender.replaceTrack). */
  switchDevice(source: 'microphone' | 'camera', deviceId: string): Promise<void> {
    return this.controls.run(async () => {
      const track = this.requireTrack(source);
      const current = track.mediaStreamTrack.getConstraints?.() ?? {};
      const next = await captureDevice(source, { ...current, deviceId: { exact: deviceId } });
      if (this.trackMap.get(source) !== track) {
        next.stop();
        throw ConfabError.closed(`${source} was unpublished during the device switch`);
      }
      try {
        if (!track.muted) await track.transceiver.sender.replaceTrack(next);
      } catch (error) {
        next.stop();
        throw ConfabError.wrap(error);
      }
      next.enabled = track.mediaStreamTrack.enabled;
      const wasOwned = track.owned;
      const previous = track.replaceMediaStreamTrack(next, true);
      if (wasOwned) previous.stop();
    });
  }

  /** Sets your presence; everyone (you included) gets `participant_updated`. */
  async setStatus(status: PresenceStatus): Promise<void> {
    await this.context.signal.request({ type: 'status', status });
    this.change(() => {
      this.status = status;
    });
  }

  /** Raises or lowers your hand; everyone sees it (RoomEvent.ParticipantUpdated, `handRaised`). */
  async setHandRaised(raised: boolean): Promise<void> {
    await this.context.signal.request({ type: 'raise_hand', raised });
    this.change(() => {
      this.hand = raised;
    });
  }

  /** @internal The server's view of us (participant_updated, joined after a rejoin). */
  applyInfo(info: ParticipantInfo): void {
    this.change(() => {
      this.name = info.name;
      this.status = info.status;
      this.identity = info.identity;
      this.hand = info.handRaised;
      this.isModerator = info.moderator;
    });
    for (const track of info.tracks) this.assignTrackId(track.source, track.id);
  }

  /** @internal Our permissions changed: made or unmade moderator. */
  applyModerator(moderator: boolean): void {
    this.change(() => {
      this.isModerator = moderator;
    });
  }

  /**
   * @internal A moderator muted our track `trackId`: stop sending it and show it muted, as our own
   * mute would, without asking the server (it did it). Only `setMuted(source, false)` undoes it.
   */
  applyForcedMute(trackId: string): Promise<void> {
    return this.controls.run(async () => {
      const source = this.sourceOf(trackId);
      const track = source === undefined ? undefined : this.trackMap.get(source);
      if (!track || track.muted) return;
      await setSenderTrack(track.transceiver.sender, null);
      track.markMuted(true);
      this.context.emit(RoomEvent.TrackMuted, track, this);
      this.context.emit(RoomEvent.MutedByModerator, track);
    });
  }

  /** Sends a chat message; resolves when the server acknowledged it. */
  async sendChat(text: string): Promise<void> {
    if (text.trim().length === 0) throw ConfabError.invalid('chat message must not be empty');
    if (text.length > MAX_CHAT_LENGTH) throw ConfabError.invalid(`chat messages are at most ${MAX_CHAT_LENGTH} characters`);
    await this.context.signal.request({ type: 'chat', text });
  }

  /**
   * @internal Publishes what `connect({publish})` asked for: given tracks as they are (handed over
   * from a preview, or captured while joining: captureEarly), the rest captured device by device,
   * so that one missing device doesn't block the other. Both at once with one prompt was already
   * tried while joining.
   */
  async publishInitial(
    microphone: CaptureConstraints | MediaStreamTrack | undefined,
    camera: CaptureConstraints | MediaStreamTrack | undefined,
  ): Promise<ConfabError[]> {
    const errors: ConfabError[] = [];
    const attempt = async (run: () => Promise<unknown>): Promise<void> => {
      try {
        await run();
      } catch (error) {
        errors.push(ConfabError.wrap(error));
      }
    };
    if (isTrack(microphone)) await attempt(() => this.publishOwned(microphone, 'microphone'));
    else if (microphone) await attempt(() => this.publishMicrophone(microphone === true ? undefined : microphone));
    if (isTrack(camera)) await attempt(() => this.publishOwned(camera, 'camera'));
    else if (camera) await attempt(() => this.publishCamera(camera === true ? undefined : camera));
    return errors;
  }

  /**
   * @internal The server took one of our tracks down (our right to publish it was revoked): take it
   * down here too, so it is not shown as live. Our own unpublish has forgotten its id already.
   */
  applyUnpublished(trackId: string): void {
    const source = this.sourceOf(trackId);
    if (source === undefined || !this.trackMap.has(source)) return;
    this.unpublish(source).catch((error: unknown) => this.context.emit(RoomEvent.Error, ConfabError.wrap(error)));
  }

  /** @internal Dynacast: the server says which of our simulcast layers someone receives. */
  setSubscribedLayers(message: MessageOf<ServerMessage, 'subscribed_layers'>): void {
    void this.dynacast.setSubscribedLayers(message);
  }

  /** @internal The server told us a track id for one of our sources. */
  assignTrackId(source: TrackSource, trackId: string): void {
    this.trackIds.set(source, trackId);
    this.trackMap.get(source)?.assignId(trackId);
  }

  /**
   * @internal A new publisher connection (after a full rejoin, with our new participant id; or a
   * media reset, same id): publish every track again on it, muted ones muted. Returns the errors of
   * tracks that could not be republished.
   */
  async republish(publisher: PublisherConnection, participantId = this.participantId): Promise<ConfabError[]> {
    this.rebind(publisher, participantId);
    const tracks = [...this.trackMap.values()];
    const item = (track: LocalTrack) => ({
      source: track.source,
      track: track.mediaStreamTrack,
      ...(typeof MediaStream === 'function' ? { stream: new MediaStream([track.mediaStreamTrack]) } : {}),
      muted: track.muted,
    });
    const errors: ConfabError[] = [];
    const bound = async (track: LocalTrack, transceiver: RTCRtpTransceiver): Promise<void> => {
      track.transceiver = transceiver;
      if (track.source !== 'microphone') void this.dynacast.bind(track.source, transceiver.sender);
      if (track.muted) await setSenderTrack(transceiver.sender, null);
    };
    // All in one negotiation; if that fails, one by one, so one bad track does not keep the others back.
    try {
      const transceivers = await publisher.publishAll(tracks.map(item));
      for (let i = 0; i < tracks.length; i++) await bound(tracks[i]!, transceivers[i]!);
      return errors;
    } catch {
      // tried again below, each on its own
    }
    for (const track of tracks) {
      try {
        const { source, track: mediaTrack, stream, muted } = item(track);
        await bound(track, await publisher.publish(source, mediaTrack, stream, muted));
      } catch (error) {
        errors.push(ConfabError.wrap(error));
      }
    }
    return errors;
  }

  /**
   * @internal A new publisher connection on which nothing of ours is to go out (the person declined
   * a recording after a full rejoin): every track is unpublished here, as unpublish() would, and
   * the ones we captured are stopped.
   */
  withdrawAll(publisher: PublisherConnection, participantId: string): void {
    this.rebind(publisher, participantId);
    for (const track of [...this.trackMap.values()]) {
      this.trackMap.delete(track.source);
      this.forgetEnded(track);
      track.stopIfOwned();
      this.context.emit(RoomEvent.LocalTrackUnpublished, track);
    }
  }

  private rebind(publisher: PublisherConnection, participantId: string): void {
    if (participantId !== this.participantId) this.trackIds.clear(); // a new session numbers our tracks anew; a moved room keeps them
    this.participantId = participantId;
    this.context.publisher = publisher;
    this.dynacast.reset();
  }

  /** @internal The room is gone: stop what we captured, forget everything, emit nothing. */
  dispose(): void {
    for (const track of this.trackMap.values()) {
      this.forgetEnded(track);
      track.stopIfOwned();
    }
    this.trackMap.clear();
  }

  private sourceOf(trackId: string): TrackSource | undefined {
    return [...this.trackIds].find(([, id]) => id === trackId)?.[0];
  }

  /** Runs `apply`, and tells the app if it changed anything the app shows. */
  private change(apply: () => void): void {
    const before = this.shown();
    apply();
    if (this.shown() !== before) this.context.emit(RoomEvent.LocalParticipantUpdated, this);
  }

  private shown(): string {
    return JSON.stringify([this.name, this.status, this.identity, this.hand, this.isModerator]);
  }

  private async captureAndPublish(source: TrackSource, capture: () => Promise<MediaStreamTrack>): Promise<LocalTrack> {
    this.assertFree(source);
    const track = await capture();
    return this.publishOwned(track, source);
  }

  private async publishOwned(track: MediaStreamTrack, source: TrackSource): Promise<LocalTrack> {
    try {
      return await this.publish(track, source, true);
    } catch (error) {
      track.stop();
      throw error;
    }
  }

  private async publish(mediaStreamTrack: MediaStreamTrack, source: TrackSource, owned: boolean): Promise<LocalTrack> {
    if (mediaStreamTrack.kind !== kindOfSource(source)) {
      throw ConfabError.invalid(`a ${mediaStreamTrack.kind} track cannot be published as ${source}`);
    }
    this.assertFree(source);
    this.busy.add(source);
    try {
      const stream = typeof MediaStream === 'function' ? new MediaStream([mediaStreamTrack]) : undefined;
      const transceiver = await this.context.publisher.publish(source, mediaStreamTrack, stream);
      const track = new LocalTrack(source, mediaStreamTrack, transceiver, owned);
      const serverId = this.trackIds.get(source);
      if (serverId !== undefined) track.assignId(serverId);
      this.trackMap.set(source, track);
      if (source !== 'microphone') void this.dynacast.bind(source, transceiver.sender);
      if (source === 'screen') this.unpublishWhenEnded(track);
      this.context.emit(RoomEvent.LocalTrackPublished, track);
      return track;
    } finally {
      this.busy.delete(source);
    }
  }

  /** The user stopped sharing from the browser UI: the track ends, so unpublish it. */
  private unpublishWhenEnded(track: LocalTrack): void {
    const onEnded = (): void => {
      if (this.trackMap.get(track.source) !== track) return;
      this.unpublish(track.source).catch((error: unknown) => this.context.emit(RoomEvent.Error, ConfabError.wrap(error)));
    };
    track.mediaStreamTrack.addEventListener('ended', onEnded);
    this.endedListeners.set(track, onEnded);
  }

  private forgetEnded(track: LocalTrack): void {
    const onEnded = this.endedListeners.get(track);
    if (!onEnded) return;
    track.mediaStreamTrack.removeEventListener('ended', onEnded);
    this.endedListeners.delete(track);
  }

  private requireTrack(source: TrackSource): LocalTrack {
    const track = this.trackMap.get(source);
    if (!track) throw new ConfabError('not_found', `no ${source} track is published`);
    return track;
  }

  private assertFree(source: TrackSource): void {
    if (this.trackMap.has(source)) throw ConfabError.conflict(`${source} is already published`);
    if (this.busy.has(source)) throw ConfabError.conflict(`${source} is being published or unpublished`);
  }
}


import {
  kindOfSource,
  ProtocolError,
  type ClientMessage,
  type MessageOf,
  type ParticipantId,
  type RoomName,
  type ServerMessage,
  type TrackId,
  type TrackInfo,
} from '@confab/protocol';
import type { AudioLevelSample, Router, Transport, TransportSignal } from '../media/types';
import { ActiveSpeakerFeed } from './ActiveSpeakerFeed';
import { newMessageId, newParticipantId, newTrackId } from './ids';
import { Participant } from './Participant';
import { ParticipantSession, type SessionLink } from './ParticipantSession';
import { QualityFeed } from './QualityFeed';
import { isRoomFault, roomFailedError, roomMediaFailedError } from './roomFault';
import { arrivingParticipant, MOVED_RESUME_WINDOW_MIN_MS, OutgoingMove } from './RoomMove';
import type { RoomSnapshot } from './RoomSnapshot';
import { SerialQueue } from './SerialQueue';

/**
 * After a media reset, tracks the client has not published again within this long are withdrawn
 * (`track_unpublished`), so nobody waits for media that is not coming. The SDK republishes within a second.
 */
export const REPUBLISH_WINDOW_MS = 10_000;

export interface RoomOptions {
  maxParticipants: number;
  /** The ICE servers for one participant, minted afresh at each call (TURN credentials expire). */
  iceServers: (participantId: ParticipantId) => MessageOf<ServerMessage, 'joined'>['iceServers'];
  /** Resume and heartbeat settings, told to each client in `joined`. */
  session: Omit<MessageOf<ServerMessage, 'joined'>['session'], 'resumeToken'>;
  /** Sequenced messages kept per session for replay after a resume. */
  replayBufferSize: number;
  logger: RoomLogger;
}

export interface RoomLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export type JoinRequest = MessageOf<ClientMessage, 'join'>;
export type ResumeRequest = MessageOf<ClientMessage, 'resume'>;
/** Everything a joined participant may send. */
export type RoomCommand = Exclude<ClientMessage, { type: 'join' | 'resume' | 'ping' }>;
export type LeaveReason = MessageOf<ServerMessage, 'participant_left'>['reason'];

/**
 * One room: an actor. Every command runs on the room's queue, one at a time, so joins, leaves,
 * publications and moderation never interleave. The room knows nothing of WebSockets: it talks to
 * clients through ParticipantSink and to media through the Router.
 */
export class Room {
  private readonly queue = new SerialQueue();
  private readonly participants = new Map<ParticipantId, Participant>();
  /** Which participant owns each live track, to label subscriber offers. */
  private readonly trackOwners = new Map<TrackId, ParticipantId>();
  private closed = false;
  /** Set as soon as the room's media fails: new joins go to a fresh room. */
  private mediaLost = false;
  /** Set by exportSnapshot(): the room is moving to another node and does nothing more here. */
  private move: OutgoingMove | undefined;
  /** Who is talking (from the router's audio levels) and everyone's connection quality. */
  private readonly speakers: ActiveSpeakerFeed;
  private readonly quality: QualityFeed;

  constructor(
    readonly name: RoomName,
    private readonly router: Router,
    private readonly options: RoomOptions,
    /** Called once, synchronously, when the room empties and closes. */
    private readonly onClose: (room: Room) => void,
  ) {
    this.speakers = new ActiveSpeakerFeed(
      (producerId) => this.microphoneOwner(producerId),
      (message) => this.broadcast(message),
      (participantId) => this.dominantSpeakerChanged(participantId),
    );
    this.quality = new QualityFeed(
      (participantId) => this.participants.get(participantId)?.connection === 'reconnecting',
      (message) => this.broadcast(message),
    );
  }

  /**
   * The router's audio levels (RouterOptions.onAudioLevels). Not queued: it only reads who owns
   * which microphone and sends snapshots, and stale ones are worth nothing.
   */
  audioLevels(samples: readonly AudioLevelSample[]): void {
    if (!this.isClosed) this.speakers.levels(samples, performance.now());
  }

  get size(): number {
    return this.participants.size;
  }

  get isClosed(): boolean {
    return this.closed || this.mediaLost || this.move !== undefined;
  }

  /** Exported and not yet released: the room is on its way to another node. */
  get isMoving(): boolean {
    return this.move !== undefined && !this.closed;
  }

  join(request: JoinRequest, link: SessionLink): Promise<Participant> {
    return this.enqueue(() => this.doJoin(request, link));
  }

  /** Takes a lost (or still attached) session over on a new connection; see docs/protocol.md "Resume". */
  resume(request: ResumeRequest, link: SessionLink): Promise<Participant> {
    return this.enqueue(() => this.doResume(request, link));
  }

  handle(participantId: ParticipantId, command: RoomCommand): Promise<void> {
    return this.enqueue(() => {
      if (this.move) {
        // Not done here, and not answered: the client sends it again after resuming on the new
        // node. But a leave is the client's last word (it will not resume): the new node is told.
        if (command.type === 'leave' && this.participants.has(participantId)) this.move.departed(participantId);
        return;
      }
      const participant = this.participants.get(participantId);
      if (!participant) throw ProtocolError.precondition('not in this room');
      // The client has read `resumed` and rebuilt its side: from now on its transports are in use.
      participant.mediaReset = false;
      if (command.type !== 'candidate' && command.id !== undefined) {
        // Resent after a resume but already done (its reply was replayed): do it only once.
        if (command.id <= participant.lastRequestId) return;
        participant.lastRequestId = command.id;
      }
      return this.dispatch(participant, command);
    });
  }

  /**
   * `link`'s connection was lost without a goodbye. If it still carries the participant's session,
   * the others see them as reconnecting and the session waits `resumeWindowMs` for a resume.
   */
  connectionLost(participantId: ParticipantId, link: SessionLink): Promise<void> {
    return this.enqueue(() => {
      if (this.move) return; // the participant lives on at the new node
      const participant = this.participants.get(participantId);
      if (!participant || !participant.session.detach(link)) return;
      const windowMs = this.options.session.resumeWindowMs;
      if (windowMs === 0) return this.doRemove(participantId, 'disconnected');
      participant.connection = 'reconnecting';
      this.awaitResume(participant, windowMs);
      this.broadcast({ type: 'participant_updated', participant: participant.info() }, participantId);
      this.quality.evaluate(); // lost, at once
      this.options.logger.info({ room: this.name, participant: participantId }, 'participant reconnecting');
    });
  }

  /** The participant left for good on `link` (leave, closed tab): gone at once, unless `link` was superseded. */
  connectionClosed(participantId: ParticipantId, link: SessionLink): Promise<void> {
    return this.enqueue(() => {
      const participant = this.participants.get(participantId);
      if (!participant?.session.isCurrent(link)) return;
      if (this.move) this.move.departed(participantId); // gone for good: the new node is told
      else this.doRemove(participantId, 'disconnected');
    });
  }

  /**
   * The first half of moving the room to another node (drain): from now on the room takes no
   * joins, resumes or commands (commands are dropped unanswered: clients send them again after
   * resuming at the new node) and sends nothing more; media keeps flowing until release(). Resolves
   * with what the new node needs (LocalDirectory.adopt). Rejects with `unavailable` if the room has
   * closed, failed or is already moving.
   */
  exportSnapshot(): Promise<RoomSnapshot> {
    return this.enqueue(() => {
      if (this.isClosed) throw ProtocolError.unavailable(`room "${this.name}" is closed or already moving`);
      this.quality.close();
      const { move, snapshot } = OutgoingMove.start(this.name, this.participants.values(), this.options.logger);
      this.move = move;
      return snapshot;
    });
  }

  /**
   * The second half, once the new node has adopted the snapshot: every connection is ended with
   * `moved` (its client resumes at the new node at once), this node's media for the room is
   * released and the room closes. Nobody is told of a leave. Resolves with the participants who
   * left for good since the export, whom the new node must remove (departed()).
   */
  release(): Promise<ParticipantId[]> {
    return this.enqueue(() => {
      if (!this.move) throw ProtocolError.precondition('release() follows exportSnapshot()');
      const members = [...this.participants.values()];
      this.participants.clear();
      this.trackOwners.clear();
      return this.move.release(members);
    }); // now empty: enqueue() closes it and releases its media
  }

  /**
   * Fills a new room with the participants of a snapshot exported elsewhere, each detached and
   * waiting for its client to resume with its old token (docs/protocol.md "Room moves"). Only on a
   * room nobody can reach yet (LocalDirectory.adopt). If media cannot be had for everyone, what was
   * taken is given back, the room closes, and the error is thrown.
   */
  restore(snapshot: RoomSnapshot): void {
    if (this.participants.size > 0 || this.isClosed) throw new Error('restore() is for a new, empty room');
    try {
      for (const state of snapshot.participants) {
        const participant = arrivingParticipant(state, this.createTransports(state.id), this.options.replayBufferSize);
        this.participants.set(participant.id, participant);
        for (const track of participant.awaiting.values()) this.trackOwners.set(track.id, participant.id);
        this.quality.add(participant.id);
        this.awaitResume(participant, Math.max(this.options.session.resumeWindowMs, MOVED_RESUME_WINDOW_MIN_MS));
      }
    } catch (error) {
      for (const participant of this.participants.values()) participant.close();
      this.participants.clear();
      this.trackOwners.clear();
      this.close();
      throw error;
    }
    this.options.logger.info({ room: this.name, size: this.participants.size }, 'room adopted after a move');
    if (this.participants.size === 0) this.close();
  }

  /**
   * On the room's new node: these participants left for good while it was on its way here (the
   * old node's release()). They go at once, as after a leave, instead of after the resume window.
   */
  departed(participantIds: readonly ParticipantId[]): Promise<void> {
    return this.enqueue(() => {
      for (const id of participantIds) {
        if (this.participants.get(id)?.session.attached === false) this.doRemove(id, 'left');
      }
    });
  }

  /**
   * The room's media is gone (its media worker died): the room fails as after a bug (see fail()),
   * and its members are told it was the media. New joins of this name go to a fresh room at once.
   */
  mediaFailed(error: unknown): void {
    this.mediaLost = true;
    this.enqueue(() => this.fail(error, roomMediaFailedError(this.name))).catch((err: unknown) => {
      this.options.logger.error({ room: this.name, err }, 'failing a room whose media failed did not work');
    });
  }

  /**
   * This node may no longer host the room (cluster/redis fencing: its lease is not safe): it fails
   * as in fail(), its members told `notice`, so their clients reconnect to wherever it lives next.
   */
  evict(notice: ProtocolError): void {
    this.mediaLost = true;
    this.enqueue(() => this.fail(notice, notice)).catch((err: unknown) => {
      this.options.logger.error({ room: this.name, err }, 'evicting the room did not work');
    });
  }

  /**
   * Runs a task on the room's queue; after it, an empty room with nothing waiting closes. A task
   * that fails with a bug (not a refusal) fails the whole room: see fail().
   */
  private enqueue<T>(task: () => Promise<T> | T): Promise<T> {
    return this.queue.run(async () => {
      try {
        return await task();
      } catch (error) {
        if (isRoomFault(error)) this.fail(error);
        throw error;
      } finally {
        if (this.participants.size === 0 && this.queue.backlog === 0) this.close();
      }
    });
  }

  private close(): void {
    if (this.closed) return;
    this.closed = true;
    this.quality.close();
    try {
      this.router.close();
    } finally {
      this.onClose(this);
    }
  }

  /**
   * After an unexpected error the room's state can't be trusted: every member is told (`error`,
   * code internal, or what `notice` says) and their connection ended so they join again, media is
   * released, and the room closes, so the next join of this name starts a fresh room. Other rooms
   * never notice.
   */
  private fail(error: unknown, notice = roomFailedError(this.name)): void {
    if (this.closed || this.move) return; // a moving room's members are already on their way; release() cleans up
    this.options.logger.error({ room: this.name, err: error, size: this.participants.size }, 'room failed; closing it');
    const { code, message } = notice;
    const members = [...this.participants.values()];
    this.participants.clear();
    this.trackOwners.clear();
    const steps = members.flatMap((p) => [() => p.session.send({ type: 'error', code, message }), () => p.session.end('failed'), () => p.close()]);
    for (const step of [...steps, () => this.close()]) {
      try {
        step();
      } catch (cleanupError) {
        this.options.logger.warn({ room: this.name, err: cleanupError }, 'cleanup after room failure failed');
      }
    }
  }

  private doJoin(request: JoinRequest, link: SessionLink): Participant {
    if (this.move) throw ProtocolError.unavailable(`room "${this.name}" is moving to another server; try again`);
    if (this.isClosed) throw ProtocolError.unavailable('room closed, join again');
    if (this.participants.size >= this.options.maxParticipants) {
      throw ProtocolError.exhausted(`room "${this.name}" is full (${this.options.maxParticipants} participants)`);
    }
    const id = newParticipantId();
    const { publishTransport, subscribeTransport } = this.createTransports(id);
    const session = new ParticipantSession(link, this.options.replayBufferSize);
    const participant = new Participant(id, request.name, request.status ?? 'online', session, publishTransport, subscribeTransport);
    const others = [...this.participants.values()];
    this.participants.set(id, participant);

    session.send({
      type: 'joined',
      ...(request.id === undefined ? {} : { id: request.id }),
      v: request.v,
      room: this.name,
      self: participant.info(),
      participants: others.map((p) => p.info()),
      iceServers: this.options.iceServers(id),
      session: { ...this.options.session, resumeToken: session.resumeToken },
    });
    this.broadcast({ type: 'participant_joined', participant: participant.info() }, id);
    this.quality.add(id);
    session.send(this.quality.snapshot());
    const speakers = this.speakers.snapshot();
    if (speakers) session.send(speakers);
    for (const other of others) {
      for (const track of other.tracks.values()) this.subscribe(participant, track.info.id);
    }
    this.options.logger.info({ room: this.name, participant: id, size: this.participants.size }, 'participant joined');
    return participant;
  }

  /** Both media transports of participant `id`; throws (having given back what it took) if media has none. */
  private createTransports(id: ParticipantId): { publishTransport: Transport; subscribeTransport: Transport } {
    const publishTransport = this.router.createTransport({
      label: id,
      role: 'publish',
      onSignal: (signal) => this.onPublishSignal(id, signal),
      onStats: (stats) => this.quality.stats(id, 'publish', stats),
    });
    try {
      const subscribeTransport = this.router.createTransport({
        label: id,
        role: 'subscribe',
        onSignal: (signal) => this.onSubscribeSignal(id, signal),
        onStats: (stats) => this.quality.stats(id, 'subscribe', stats),
      });
      return { publishTransport, subscribeTransport };
    } catch (error) {
      publishTransport.close(); // e.g. the media port range is full: give back what we took
      throw error;
    }
  }

  /** The participant leaves (`disconnected`) unless its session is resumed within `windowMs`. */
  private awaitResume(participant: Participant, windowMs: number): void {
    clearTimeout(participant.resumeTimer);
    participant.resumeTimer = setTimeout(() => {
      this.enqueue(() => {
        if (this.participants.get(participant.id) === participant && !participant.session.attached) {
          this.doRemove(participant.id, 'disconnected');
        }
      }).catch((err: unknown) => this.options.logger.error({ room: this.name, err }, 'ending a lost session failed'));
    }, windowMs);
  }

  /** After a media reset: tracks not published again within REPUBLISH_WINDOW_MS are withdrawn. */
  private awaitRepublish(participant: Participant): void {
    clearTimeout(participant.republishTimer);
    if (participant.awaiting.size === 0) return;
    participant.republishTimer = setTimeout(() => {
      this.enqueue(() => {
        if (this.participants.get(participant.id) !== participant) return;
        for (const track of [...participant.awaiting.values()]) this.withdraw(participant, track);
      }).catch((err: unknown) => this.options.logger.error({ room: this.name, err }, 'withdrawing tracks not republished failed'));
    }, REPUBLISH_WINDOW_MS);
  }

  /** A track awaiting republishing goes away as if unpublished. */
  private withdraw(participant: Participant, track: TrackInfo): void {
    participant.awaiting.delete(track.source);
    this.forgetTrack(track.id);
    this.broadcast({ type: 'track_unpublished', participantId: participant.id, trackId: track.id }, participant.id);
  }

  private doResume(request: ResumeRequest, link: SessionLink): Participant {
    if (this.move) throw ProtocolError.unavailable(`room "${this.name}" is moving to another server; try again`);
    const participant = this.participants.get(request.participantId);
    if (!participant || !participant.session.matches(request.token)) {
      throw ProtocolError.notFound('session not found or expired; join again');
    }
    if (!participant.session.canReplayFrom(request.lastSeq)) {
      // Too much happened while it was away to replay exactly: end it; the client joins afresh.
      this.doRemove(participant.id, 'disconnected');
      throw ProtocolError.notFound('session can no longer be resumed; join again');
    }
    clearTimeout(participant.resumeTimer);
    participant.resumeTimer = undefined;
    participant.session.attach(link, request.lastSeq, {
      type: 'resumed',
      ...(request.id === undefined ? {} : { id: request.id }),
      lastRequestId: participant.lastRequestId,
      // Fresh TURN credentials: the page may have been open longer than the old ones live.
      iceServers: this.options.iceServers(participant.id),
      // The room moved here: both of the client's peer connections must be rebuilt and its tracks published again.
      ...(participant.mediaReset ? { mediaReset: true } : {}),
    });
    if (participant.mediaReset) this.awaitRepublish(participant);
    if (participant.connection !== 'connected') {
      participant.connection = 'connected';
      this.broadcast({ type: 'participant_updated', participant: participant.info() }, participant.id);
    }
    // Quality and speakers are not replayed (snapshots): the client gets them as they are now.
    participant.session.send(this.quality.snapshot());
    this.quality.evaluate();
    // The path may have changed (Wi-Fi to 4G): new ICE credentials, and an offer that carries every current track.
    participant.subscribeTransport.restartIce();
    this.options.logger.info({ room: this.name, participant: participant.id }, 'participant resumed');
    return participant;
  }

  private doRemove(participantId: ParticipantId, reason: LeaveReason): void {
    const participant = this.participants.get(participantId);
    if (!participant) return;
    this.participants.delete(participantId);
    for (const track of participant.tracks.values()) this.forgetTrack(track.info.id);
    for (const track of participant.awaiting.values()) this.forgetTrack(track.id);
    participant.close();
    this.quality.remove(participantId);
    this.broadcast({ type: 'participant_left', participantId, reason });
    this.speakers.remove(participantId, performance.now());
    this.options.logger.info({ room: this.name, participant: participantId, reason, size: this.participants.size }, 'participant left');
  }

  private async dispatch(participant: Participant, command: RoomCommand): Promise<void> {
    switch (command.type) {
      case 'publish':
        return this.publish(participant, command);
      case 'unpublish':
        return this.unpublish(participant, command);
      case 'mute':
        return this.mute(participant, command);
      case 'offer':
        return this.applyPublisherOffer(participant, command);
      case 'answer':
        // An answer to an offer that a newer one (an ICE restart after resume) replaced is stale.
        if (command.revision === participant.offerRevision) await participant.subscribeTransport.applyAnswer(command.sdp);
        return this.ack(participant, command.id);
      case 'restart_ice':
        participant.subscribeTransport.restartIce();
        return this.ack(participant, command.id);
      case 'ice_servers':
        participant.session.send({ type: 'ice_servers', ...(command.id === undefined ? {} : { id: command.id }), iceServers: this.options.iceServers(participant.id) });
        return;
      case 'candidate': {
        const transport = command.target === 'publisher' ? participant.publishTransport : participant.subscribeTransport;
        return transport.addRemoteCandidate(command.candidate);
      }
      case 'status':
        participant.status = command.status;
        this.broadcast({ type: 'participant_updated', participant: participant.info() });
        return this.ack(participant, command.id);
      case 'chat':
        this.broadcast({
          type: 'chat',
          messageId: newMessageId(),
          participantId: participant.id,
          name: participant.name,
          time: Date.now(),
          text: command.text,
        });
        return this.ack(participant, command.id);
      case 'leave':
        this.ack(participant, command.id);
        return this.doRemove(participant.id, 'left');
      case 'track_settings': {
        // Adaptive stream: the subscriber's allocator picks layers by it. A track it no longer receives is no error (the message crossed an unpublish).
        const settings = { visible: command.visible, width: command.width, height: command.height };
        // Kept for tracks of this room, so a consumer made later (a publisher back after a move) starts with them.
        if (this.trackOwners.has(command.trackId)) participant.trackSettings.set(command.trackId, settings);
        participant.consumers.get(command.trackId)?.setTrackSettings(settings);
        return this.ack(participant, command.id);
      }
    }
  }

  private publish(participant: Participant, command: MessageOf<ClientMessage, 'publish'>): void {
    if (participant.tracks.has(command.source)) {
      throw ProtocolError.conflict(`${command.source} is already published; unpublish it first`);
    }
    const kind = kindOfSource(command.source);
    const muted = command.muted ?? false;
    // Published again after a move: the same track, so the others see its media come back, not a new track.
    const awaited = participant.awaiting.get(command.source);
    const id = awaited?.id ?? newTrackId();
    const source = command.source;
    const producer = participant.publishTransport.produce({
      id,
      kind,
      mid: command.mid,
      paused: muted,
      source,
      // Dynacast: which simulcast layers anyone receives; the publisher's SDK turns the others off.
      onSubscribedLayers: (layers) => {
        if (source !== 'microphone' && this.participants.get(participant.id) === participant) {
          participant.session.send({ type: 'subscribed_layers', source, layers });
        }
      },
    });
    const info = { id, source: command.source, kind, muted };
    participant.awaiting.delete(command.source);
    participant.tracks.set(command.source, { info, producer });
    this.trackOwners.set(id, participant.id);
    this.ack(participant, command.id);
    if (awaited) {
      participant.session.send({ type: 'track_published', participantId: participant.id, track: { ...info } });
      if (awaited.muted !== muted) this.broadcast({ type: 'track_muted', participantId: participant.id, trackId: id, muted }, participant.id);
    } else {
      // The publisher hears it too: that is how it learns its track's id.
      this.broadcast({ type: 'track_published', participantId: participant.id, track: { ...info } });
    }
    for (const other of this.participants.values()) if (other !== participant) this.subscribe(other, id);
  }

  private unpublish(participant: Participant, command: MessageOf<ClientMessage, 'unpublish'>): void {
    const awaited = participant.awaiting.get(command.source);
    if (awaited) {
      this.withdraw(participant, awaited);
      return this.ack(participant, command.id);
    }
    const track = participant.tracks.get(command.source);
    if (!track) throw ProtocolError.notFound(`${command.source} is not published`);
    participant.tracks.delete(command.source);
    this.forgetTrack(track.info.id);
    track.producer.close();
    if (command.source === 'microphone') this.speakers.remove(participant.id, performance.now());
    this.ack(participant, command.id);
    this.broadcast({ type: 'track_unpublished', participantId: participant.id, trackId: track.info.id }, participant.id);
  }

  private mute(participant: Participant, command: MessageOf<ClientMessage, 'mute'>): void {
    const track = participant.tracks.get(command.source);
    const info = track?.info ?? participant.awaiting.get(command.source);
    if (!info) throw ProtocolError.notFound(`${command.source} is not published`);
    if (info.muted !== command.muted) {
      info.muted = command.muted;
      if (command.muted) track?.producer.pause();
      else track?.producer.resume();
      this.broadcast({ type: 'track_muted', participantId: participant.id, trackId: info.id, muted: command.muted }, participant.id);
    }
    this.ack(participant, command.id);
  }

  private async applyPublisherOffer(participant: Participant, command: MessageOf<ClientMessage, 'offer'>): Promise<void> {
    participant.pendingOfferIds.push(command.id);
    try {
      await participant.publishTransport.applyOffer(command.sdp);
    } catch (error) {
      participant.pendingOfferIds.pop();
      throw error;
    }
  }

  /** Starts forwarding track `trackId` to `subscriber` (its transport batches the renegotiation). */
  private subscribe(subscriber: Participant, trackId: TrackId): void {
    const ownerId = this.trackOwners.get(trackId);
    const owner = ownerId && this.participants.get(ownerId);
    if (!owner || owner === subscriber || subscriber.consumers.has(trackId)) return;
    const track = owner.trackById(trackId);
    if (!track) return;
    const consumer = subscriber.subscribeTransport.consume(track.producer, {
      // The subscriber's bandwidth cannot carry this video now (or can again): its tile says so instead of freezing.
      onStreamState: (state) => {
        if (this.participants.get(subscriber.id) !== subscriber || subscriber.consumers.get(trackId) !== consumer) return;
        subscriber.session.send({ type: 'stream_state', trackId, ...state });
      },
    });
    subscriber.consumers.set(trackId, consumer);
    const settings = subscriber.trackSettings.get(trackId);
    if (settings) consumer.setTrackSettings(settings);
  }

  /** Track `trackId` is gone: nobody receives it, and what anyone knew about it is dropped. */
  private forgetTrack(trackId: TrackId): void {
    this.trackOwners.delete(trackId);
    for (const participant of this.participants.values()) {
      participant.consumers.get(trackId)?.close();
      participant.consumers.delete(trackId);
      participant.trackSettings.delete(trackId);
    }
  }

  private onPublishSignal(participantId: ParticipantId, signal: TransportSignal): void {
    const participant = this.participants.get(participantId);
    if (!participant) return;
    if (signal.type === 'answer') {
      const id = participant.pendingOfferIds.shift();
      participant.session.send({ type: 'answer', ...(id === undefined ? {} : { id }), target: 'publisher', sdp: signal.sdp });
    } else if (signal.type === 'candidate') {
      participant.session.send({ type: 'candidate', target: 'publisher', candidate: signal.candidate });
    }
  }

  private onSubscribeSignal(participantId: ParticipantId, signal: TransportSignal): void {
    const participant = this.participants.get(participantId);
    if (!participant) return;
    if (signal.type === 'offer') {
      const tracks = [];
      for (const { mid, producerId } of signal.tracks) {
        const owner = this.trackOwners.get(producerId as TrackId);
        if (owner) tracks.push({ mid, trackId: producerId as TrackId, participantId: owner });
      }
      participant.session.send({ type: 'offer', target: 'subscriber', revision: ++participant.offerRevision, sdp: signal.sdp, tracks });
    } else if (signal.type === 'candidate') {
      participant.session.send({ type: 'candidate', target: 'subscriber', candidate: signal.candidate });
    }
  }

  /** The participant whose microphone producer (track) this is. */
  private microphoneOwner(producerId: string): ParticipantId | undefined {
    const owner = this.trackOwners.get(producerId as TrackId);
    const track = owner === undefined ? undefined : this.participants.get(owner)?.tracks.get('microphone');
    return track !== undefined && track.info.id === producerId ? owner : undefined;
  }

  /**
   * The dominant speaker changed: each subscriber's allocator shares its bandwidth out to their
   * camera before the other cameras' (after audio and screen shares).
   */
  private dominantSpeakerChanged(participantId: ParticipantId | null): void {
    this.router.setActiveSpeaker(participantId);
    this.options.logger.info({ room: this.name, dominant: participantId }, 'dominant speaker');
  }

  private ack(participant: Participant, id: number | undefined): void {
    if (id !== undefined) participant.session.send({ type: 'ack', id });
  }

  private broadcast(message: ServerMessage, except?: ParticipantId): void {
    for (const participant of this.participants.values()) {
      if (participant.id === except) continue;
      try {
        participant.session.send(message);
      } catch (error) {
        this.options.logger.warn({ room: this.name, participant: participant.id, err: error }, 'send failed');
      }
    }
  }
}


import {

  kindOfSource,
  ProtocolError,
  type ClientMessage,
  type MessageOf,
  type ParticipantId,
  type RoomName,
  type ServerMessage,
  type TrackId,
} from '@confab/protocol';
import type { Router, TransportSignal } from '../media/types';
import { newMessageId, newParticipantId, newTrackId } from './ids';
import { Participant, type ParticipantSink } from './Participant';
import { isRoomFault, roomFailedError } from './roomFault';
import { SerialQueue } from './SerialQueue';

export interface RoomOptions {
  maxParticipants: number;
  iceServers: MessageOf<ServerMessage, 'joined'>['iceServers'];
  logger: RoomLogger;
}

export interface RoomLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export type JoinRequest = MessageOf<ClientMessage, 'join'>;
/** Everything a joined participant may send. */
export type RoomCommand = Exclude<ClientMessage, { type: 'join' | 'ping' }>;
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

  constructor(
    readonly name: RoomName,
    private readonly router: Router,
    private readonly options: RoomOptions,
    /** Called once, synchronously, when the room empties and closes. */
    private readonly onClose: (room: Room) => void,
  ) {}

  get size(): number {
    return this.participants.size;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  join(request: JoinRequest, sink: ParticipantSink): Promise<Participant> {
    return this.enqueue(() => this.doJoin(request, sink));
  }

  handle(participantId: ParticipantId, command: RoomCommand): Promise<void> {
    return this.enqueue(() => {
      const participant = this.participants.get(participantId);
      if (!participant) throw ProtocolError.precondition('not in this room');
      return this.dispatch(participant, command);
    });
  }

  remove(participantId: ParticipantId, reason: LeaveReason): Promise<void> {
    return this.enqueue(() => this.doRemove(participantId, reason));
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
    try {
      this.router.close();
    } finally {
      this.onClose(this);
    }
  }

  /**
   * After an unexpected error the room's state can't be trusted: every member is told (`error`,
   * code internal) and their connection ended so they join again, media is released, and the
   * room closes, so the next join of this name starts a fresh room. Other rooms never notice.
   */
  private fail(error: unknown): void {
    if (this.closed) return;
    this.options.logger.error({ room: this.name, err: error, size: this.participants.size }, 'room failed; closing it');
    const { code, message } = roomFailedError(this.name);
    const members = [...this.participants.values()];
    this.participants.clear();
    this.trackOwners.clear();
    const steps = members.flatMap((p) => [() => p.sink.send({ type: 'error', code, message }), () => p.sink.end(), () => p.close()]);
    for (const step of [...steps, () => this.close()]) {
      try {
        step();
      } catch (cleanupError) {
        this.options.logger.warn({ room: this.name, err: cleanupError }, 'cleanup after room failure failed');
      }
    }
  }

  private doJoin(request: JoinRequest, sink: ParticipantSink): Participant {
    if (this.closed) throw ProtocolError.unavailable('room closed, join again');
    if (this.participants.size >= this.options.maxParticipants) {
      throw ProtocolError.exhausted(`room "${this.name}" is full (${this.options.maxParticipants} participants)`);
    }
    const id = newParticipantId();
    const publishTransport = this.router.createTransport({
      label: id,
      role: 'publish',
      onSignal: (signal) => this.onPublishSignal(id, signal),
    });
    let subscribeTransport;
    try {
      subscribeTransport = this.router.createTransport({
        label: id,
        role: 'subscribe',
        onSignal: (signal) => this.onSubscribeSignal(id, signal),
      });
    } catch (error) {
      publishTransport.close(); // e.g. the media port range is full: give back what we took
      throw error;
    }
    const participant = new Participant(id, request.name, request.status ?? 'online', sink, publishTransport, subscribeTransport);
    const others = [...this.participants.values()];
    this.participants.set(id, participant);

    sink.send({
      type: 'joined',
      ...(request.id === undefined ? {} : { id: request.id }),
      v: request.v,
      room: this.name,
      self: participant.info(),
      participants: others.map((p) => p.info()),
      iceServers: this.options.iceServers,
    });
    this.broadcast({ type: 'participant_joined', participant: participant.info() }, id);
    for (const other of others) {
      for (const track of other.tracks.values()) this.subscribe(participant, track.info.id);
    }
    this.options.logger.info({ room: this.name, participant: id, size: this.participants.size }, 'participant joined');
    return participant;
  }

  private doRemove(participantId: ParticipantId, reason: LeaveReason): void {
    const participant = this.participants.get(participantId);
    if (!participant) return;
    this.participants.delete(participantId);
    for (const track of participant.tracks.values()) {
      this.trackOwners.delete(track.info.id);
      this.unsubscribeAll(track.info.id);
    }
    participant.close();
    this.broadcast({ type: 'participant_left', participantId, reason });
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
        await participant.subscribeTransport.applyAnswer(command.sdp);
        return this.ack(participant, command.id);
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
    }
  }

  private publish(participant: Participant, command: MessageOf<ClientMessage, 'publish'>): void {
    if (participant.tracks.has(command.source)) {
      throw ProtocolError.conflict(`${command.source} is already published; unpublish it first`);
    }
    const kind = kindOfSource(command.source);
    const muted = command.muted ?? false;
    const id = newTrackId();
    const producer = participant.publishTransport.produce({ id, kind, mid: command.mid, paused: muted });
    const info = { id, source: command.source, kind, muted };
    participant.tracks.set(command.source, { info, producer });
    this.trackOwners.set(id, participant.id);
    this.ack(participant, command.id);
    // The publisher hears it too: that is how it learns its track's id.
    this.broadcast({ type: 'track_published', participantId: participant.id, track: { ...info } });
    for (const other of this.participants.values()) if (other !== participant) this.subscribe(other, id);
  }

  private unpublish(participant: Participant, command: MessageOf<ClientMessage, 'unpublish'>): void {
    const track = participant.tracks.get(command.source);
    if (!track) throw ProtocolError.notFound(`${command.source} is not published`);
    participant.tracks.delete(command.source);
    this.trackOwners.delete(track.info.id);
    this.unsubscribeAll(track.info.id);
    track.producer.close();
    this.ack(participant, command.id);
    this.broadcast({ type: 'track_unpublished', participantId: participant.id, trackId: track.info.id }, participant.id);
  }

  private mute(participant: Participant, command: MessageOf<ClientMessage, 'mute'>): void {
    const track = participant.tracks.get(command.source);
    if (!track) throw ProtocolError.notFound(`${command.source} is not published`);
    if (track.info.muted !== command.muted) {
      track.info.muted = command.muted;
      if (command.muted) track.producer.pause();
      else track.producer.resume();
      this.broadcast({ type: 'track_muted', participantId: participant.id, trackId: track.info.id, muted: command.muted }, participant.id);
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
    subscriber.consumers.set(trackId, subscriber.subscribeTransport.consume(track.producer));
  }

  private unsubscribeAll(trackId: TrackId): void {
    for (const participant of this.participants.values()) {
      participant.consumers.get(trackId)?.close();
      participant.consumers.delete(trackId);
    }
  }

  private onPublishSignal(participantId: ParticipantId, signal: TransportSignal): void {
    const participant = this.participants.get(participantId);
    if (!participant) return;
    if (signal.type === 'answer') {
      const id = participant.pendingOfferIds.shift();
      participant.sink.send({ type: 'answer', ...(id === undefined ? {} : { id }), target: 'publisher', sdp: signal.sdp });
    } else if (signal.type === 'candidate') {
      participant.sink.send({ type: 'candidate', target: 'publisher', candidate: signal.candidate });
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
      participant.sink.send({ type: 'offer', target: 'subscriber', sdp: signal.sdp, tracks });
    } else if (signal.type === 'candidate') {
      participant.sink.send({ type: 'candidate', target: 'subscriber', candidate: signal.candidate });
    }
  }

  private ack(participant: Participant, id: number | undefined): void {
    if (id !== undefined) participant.sink.send({ type: 'ack', id });
  }

  private broadcast(message: ServerMessage, except?: ParticipantId): void {
    for (const participant of this.participants.values()) {
      if (participant.id === except) continue;
      try {
        participant.sink.send(message);
      } catch (error) {
        this.options.logger.warn({ room: this.name, participant: participant.id, err: error }, 'send failed');
      }
    }
  }
}


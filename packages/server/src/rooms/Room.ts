import {
  ErrorCode,
  kindOfSource,
  ProtocolError,
  type ParticipantDetails,
  type Permissions,
  type RoomRecordingStatus,
  type RoomSummary,
  TrackSource,
  type ClientMessage,
  type MessageOf,
  type ParticipantId,
  type RoomName,
  type ServerMessage,
  type TrackId,
  type TrackInfo,
} from '@confab/protocol';
import type { AudioLevelSample, Consumer, Router, TransportSignal } from '../media/types';
import type { NodeRecordings } from '../recording/NodeRecordings';
import type { RecordingOutcome } from '../recording/RoomRecording';
import type { RoomEvents } from '../webhooks/RoomEvents';
import { ActiveSpeakerFeed } from './ActiveSpeakerFeed';
import type { AccessPolicy, Admission, BanList } from './Admission';
import { Lobby, type Knock } from './Lobby';
import { newMessageId, newParticipantId, newTrackId } from './ids';
import { Participant } from './Participant';
import { ParticipantTransports } from './ParticipantTransports';
import { ParticipantSession, type SessionLink } from './ParticipantSession';
import { QualityFeed } from './QualityFeed';
import { RoomAccessState, type RoomSetup } from './RoomAccessState';
import { RoomEventLog } from './RoomEventLog';
import { RoomRecorder } from './RoomRecorder';
import { isRoomFault, roomFailedError, roomMediaFailedError } from './roomFault';
import { arrivingParticipant, MOVED_RESUME_WINDOW_MIN_MS, OutgoingMove } from './RoomMove';
import type { RoomSnapshot } from './RoomSnapshot';
import { SerialQueue } from './SerialQueue';
import type { JoinRequest, LeaveReason, RemovalReason, ResumeRequest, RoomCommand, RoomLogger } from './requests';

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
  /** Who may come in: open mode, or access tokens. */
  access: AccessPolicy;
  /** Bans by identity, seen by every node. */
  bans: BanList;
  /** Webhooks. */
  events: RoomEvents;
  /** This node's id, on webhook events and room summaries. */
  nodeId: string;
  /** Refused joins and moderation actions (optional: unit tests leave it out). */
  metrics?: { joinRefused(reason: string): void; moderated(action: string): void };
  /** Where recordings go and how many may run (absent: this room cannot be recorded). */
  recordings?: NodeRecordings;
}

/** Why a room closed, for webhooks (room_finished). */
type FinishReason = 'empty' | 'ended' | 'deleted' | 'failed';

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
  /** Locked, lobby, password, capacity, empty timeout. */
  private accessState: RoomAccessState;
  private readonly lobby = new Lobby();
  /** This life of the room, for webhooks; a restored room takes the sid it had. */
  private eventLog: RoomEventLog;
  private createdAt = Date.now();
  /** Closes an empty room with an empty timeout once it has stayed empty that long. */
  private emptyTimer: ReturnType<typeof setTimeout> | undefined;
  private finishReason: FinishReason = 'empty';
  /** The room's recording: started and stopped by moderators and the admin API. */
  private readonly recorder: RoomRecorder;

  constructor(
    readonly name: RoomName,
    private readonly router: Router,
    private readonly options: RoomOptions,
    /** Called once, synchronously, when the room empties and closes. */
    private readonly onClose: (room: Room) => void,
    setup: RoomSetup = { maxParticipants: options.maxParticipants, emptyTimeoutSeconds: 0 },
  ) {
    this.accessState = new RoomAccessState(setup);
    this.eventLog = new RoomEventLog(name, options.nodeId, options.events);
    this.speakers = new ActiveSpeakerFeed(
      (producerId) => this.microphoneOwner(producerId),
      (message) => this.broadcast(message),
      (participantId) => this.dominantSpeakerChanged(participantId),
    );
    const room = this;
    this.recorder = new RoomRecorder(
      {
        name,
        get isClosed() {
          return room.isClosed;
        },
        enqueue: (task) => this.enqueue(task),
        broadcast: (message) => this.broadcast(message),
        members: () => this.participants.values(),
        emit: (fields) => this.eventLog.emit(fields),
        logger: options.logger,
      },
      options.recordings,
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

  /**
   * Lets someone in, once the access policy and the room (ban, lock, password, capacity, lobby)
   * allow it. With the lobby on, resolves only when a moderator admits them (it rejects if they are
   * denied, or when `signal` says their connection is gone).
   */
  async join(request: JoinRequest, link: SessionLink, signal?: AbortSignal): Promise<Participant> {
    try {
      return await this.admitOrWait(request, link, signal);
    } catch (error) {
      if (error instanceof ProtocolError) this.options.metrics?.joinRefused(error.reason ?? error.code);
      throw error;
    }
  }

  private async admitOrWait(request: JoinRequest, link: SessionLink, signal?: AbortSignal): Promise<Participant> {
    const admission = await this.options.access.admitJoin(request);
    const outcome = await this.enqueue(() => this.doJoin(request, admission, link));
    if (outcome instanceof Participant) return outcome;
    const knockId = outcome.id;
    signal?.addEventListener('abort', () => void this.enqueue(() => this.cancelKnock(knockId)).catch(() => undefined), { once: true });
    return outcome.decision;
  }

  /** Takes a lost (or still attached) session over on a new connection; see docs/protocol.md "Resume". */
  async resume(request: ResumeRequest, link: SessionLink): Promise<Participant> {
    const identity = this.participants.get(request.participantId)?.identity;
    if (identity !== undefined) await this.options.access.checkResume(request, identity);
    return this.enqueue(async () => {
      const participant = this.participants.get(request.participantId);
      if (participant && participant.identity !== identity) throw ProtocolError.notFound('session not found or expired; join again');
      if (participant && (await this.options.bans.isBanned(this.name, participant.identity))) {
        throw new ProtocolError(ErrorCode.PermissionDenied, 'you were removed from this meeting', 'banned');
      }
      return this.doResume(request, link);
    });
  }

  /** Announces a new life of the room (webhook room_started); not for a room restored after a move. */
  opened(): void {
    this.eventLog.emit({ event: 'room_started' });
  }

  /** A room opened by the admin API: nobody is in it yet, so it starts its empty timeout now. */
  awaitFirstJoin(): void {
    void this.enqueue(() => undefined);
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

  // ---- the admin API (RoomAdministration), each on the room's queue ----

  /** What the admin API lists. */
  summary(): RoomSummary {
    let listed = 0;
    for (const p of this.participants.values()) if (!p.profile.hidden) listed++;
    return { name: this.name, sid: this.eventLog.sid, participants: listed, createdAt: this.createdAt, node: this.options.nodeId, ...this.accessState.settings() };
  }

  participantDetails(): Promise<ParticipantDetails[]> {
    return this.enqueue(() => [...this.participants.values()].map((p) => p.details()));
  }

  adminRemove(identity: string, banSeconds?: number): Promise<void> {
    return this.enqueue(() => this.remove(this.byIdentity(identity, 'admin_remove'), banSeconds, { admin: true }));
  }

  adminMute(identity: string, source: TrackSource): Promise<ParticipantDetails> {
    return this.enqueue(() => {
      const target = this.byIdentity(identity, 'admin_mute');
      this.forceMute(target, source, { admin: true });
      return target.details();
    });
  }

  adminUpdatePermissions(identity: string, patch: Partial<Permissions>): Promise<ParticipantDetails> {
    return this.enqueue(() => {
      const target = this.byIdentity(identity, 'admin_permissions');
      this.changePermissions(target, patch);
      this.options.logger.info({ room: this.name, participant: target.id, permissions: patch }, 'permissions changed by the admin API');
      return target.details();
    });
  }

  adminMessage(text: string): Promise<void> {
    return this.enqueue(() => this.broadcast({ type: 'system_message', messageId: newMessageId(), time: Date.now(), text }));
  }

  /** Starts recording the room (POST …/recording); resolves once it runs, with its folder. */
  adminStartRecording(): Promise<RoomRecordingStatus> {
    return this.recorder.start(null);
  }

  /** Stops the room's recording (DELETE …/recording); resolves once every file is finalized. */
  async adminStopRecording(): Promise<RoomRecordingStatus> {
    const { done } = await this.enqueue(() => this.recorder.stop());
    const outcome = await done;
    return { id: outcome.id, room: this.name, dir: outcome.dir, startedAt: outcome.startedAt, stoppedAt: outcome.stoppedAt, error: outcome.error };
  }

  adminDelete(): Promise<void> {
    return this.enqueue(() => {
      this.options.logger.info({ room: this.name, size: this.participants.size }, 'room deleted by the admin API');
      this.endAll('deleted', 'this meeting room was deleted');
    });
  }

  /** The participant an admin call is about; the call counts as moderation once they are found. */
  private byIdentity(identity: string, action: string): Participant {
    for (const p of this.participants.values()) {
      if (p.identity !== identity) continue;
      this.options.metrics?.moderated(action);
      return p;
    }
    throw ProtocolError.notFound(`nobody with identity "${identity}" is in room "${this.name}"`);
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
    return this.enqueue(async () => {
      if (this.isClosed) throw ProtocolError.unavailable(`room "${this.name}" is closed or already moving`);
      this.quality.close();
      clearTimeout(this.emptyTimer);
      // The files are on this node's disk: the recording ends here (a new one may start at the new node).
      this.recorder.roomClosing('the room moved to another server');
      // Knocks do not move: their joins are refused and their clients join again at the new node.
      for (const knock of this.lobby.takeAll()) knock.settle({ error: ProtocolError.unavailable(`room "${this.name}" is moving to another server; try again`) });
      const webhooks = await this.options.events.handOver(this.eventLog.sid);
      const access = this.accessState;
      const state = {
        sid: this.eventLog.sid,
        createdAt: this.createdAt,
        eventSeq: this.eventLog.lastSeq,
        maxParticipants: access.maxParticipants,
        emptyTimeoutSeconds: access.emptyTimeoutSeconds,
        locked: access.locked,
        lobby: access.lobby,
        ...(access.storedPassword ? { password: access.storedPassword } : {}),
      };
      const { move, snapshot } = OutgoingMove.start(this.name, this.participants.values(), { state, webhooks }, this.options.logger);
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
   * room nobody can reach yet (LocalDirectory.adopt). It takes no media: each participant's
   * transports come when its client publishes and receives again. If anything fails, the room
   * closes and the error is thrown.
   */
  restore(snapshot: RoomSnapshot): void {
    if (this.participants.size > 0 || this.isClosed) throw new Error('restore() is for a new, empty room');
    const { state } = snapshot;
    const { password, ...setup } = state;
    this.accessState = new RoomAccessState(setup, password);
    this.eventLog = new RoomEventLog(this.name, this.options.nodeId, this.options.events, state);
    this.createdAt = state.createdAt;
    this.options.events.adopt(snapshot.webhooks);
    try {
      for (const state of snapshot.participants) {
        const participant = arrivingParticipant(state, this.transportsFor(state.id), this.options.replayBufferSize);
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
        if (this.participants.size === 0 && this.lobby.size === 0 && this.queue.backlog === 0) this.closeWhenEmpty();
      }
    });
  }

  /** An empty room closes now, or after its empty timeout if nobody comes meanwhile. */
  private closeWhenEmpty(): void {
    const timeoutMs = this.accessState.emptyTimeoutSeconds * 1000;
    if (timeoutMs === 0 || this.isClosed) return this.close();
    this.emptyTimer ??= setTimeout(() => {
      this.emptyTimer = undefined;
      this.enqueue(() => {
        if (this.participants.size === 0 && this.lobby.size === 0) this.close();
      }).catch(() => undefined);
    }, timeoutMs);
    // An empty room waiting for its first join must not keep a stopping process alive.
    this.emptyTimer.unref();
  }

  private close(): void {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.emptyTimer);
    for (const knock of this.lobby.takeAll()) knock.settle({ error: ProtocolError.unavailable('the meeting closed') });
    // Before the router closes: the workers finalize the files they were asked to first.
    this.recorder.roomClosing(this.finishReason === 'failed' ? 'the room failed' : null);
    if (!this.move) this.eventLog.emit({ event: 'room_finished', reason: this.finishReason });
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
    this.finishReason = 'failed';
    for (const member of this.participants.values()) this.emitParticipant('participant_left', member, { reason: 'error' });
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

  /**
   * A join that passed the access policy: refused (banned, locked, password, full), held in the
   * lobby (the knock's decision settles it), or admitted at once.
   */
  private async doJoin(request: JoinRequest, admission: Admission, link: SessionLink): Promise<Participant | { id: ParticipantId; decision: Promise<Participant> }> {
    if (this.move) throw ProtocolError.unavailable(`room "${this.name}" is moving to another server; try again`);
    if (this.isClosed) throw ProtocolError.unavailable('room closed, join again');
    const { identity } = admission.profile;
    if (await this.options.bans.isBanned(this.name, identity)) {
      throw new ProtocolError(ErrorCode.PermissionDenied, 'you were removed from this meeting and may not join it again for now', 'banned');
    }
    if (this.isClosed) throw ProtocolError.unavailable('room closed, join again');
    // Moderators by token (roomAdmin) and hidden participants (recorders) pass the lock, the password and the lobby.
    const privileged = admission.permissions.moderator || admission.profile.hidden;
    if (!privileged) {
      if (this.accessState.locked) throw new ProtocolError(ErrorCode.PermissionDenied, 'this meeting is locked: nobody new may join', 'room_locked');
      this.accessState.checkPassword(request.password);
    }
    this.checkCapacity(identity);
    // Open mode: a room without anyone to moderate it lets people in, the first of whom becomes its host.
    const waits = this.accessState.lobby && !privileged && (this.options.access.mode === 'token' || this.hasModerator());
    if (!waits) return this.admit(request, admission, link);
    let settle!: Knock['settle'];
    const decision = new Promise<Participant>((resolve, reject) => {
      settle = (outcome) => ('participant' in outcome ? resolve(outcome.participant) : reject(outcome.error));
    });
    const id = newParticipantId();
    this.lobby.add({ id, request, admission, link, since: Date.now(), settle });
    link.send({ type: 'waiting', room: this.name });
    this.lobbyChanged();
    this.options.logger.info({ room: this.name, knock: id, waiting: this.lobby.size }, 'waiting in the lobby');
    return { id, decision };
  }

  private checkCapacity(identity: string): void {
    // A second join of an identity takes the first one's seat, so it needs no new one.
    const replacing = this.seatOf(identity) !== undefined;
    if (!replacing && this.participants.size >= this.accessState.maxParticipants) {
      throw ProtocolError.exhausted(`room "${this.name}" is full (${this.accessState.maxParticipants} participants)`);
    }
  }

  /**
   * Token mode: the participant holding `identity`'s one seat. Open mode has no seats: a browser's
   * identity only lets a ban hold, and two tabs of one browser are two people.
   */
  private seatOf(identity: string): Participant | undefined {
    if (this.options.access.mode !== 'token') return undefined;
    for (const p of this.participants.values()) if (p.identity === identity) return p;
    return undefined;
  }

  private hasModerator(): boolean {
    for (const p of this.participants.values()) if (p.isModerator && !p.profile.hidden) return true;
    return false;
  }

  /** Puts the participant in the room: the same identity's earlier seat is taken from it first. */
  private admit(request: JoinRequest, admission: Admission, link: SessionLink, id = newParticipantId()): Participant {
    const earlier = this.seatOf(admission.profile.identity);
    if (earlier) this.expel(earlier, 'replaced', 'replaced', 'you joined this meeting again from another tab or device');
    this.checkCapacity(admission.profile.identity);
    const session = new ParticipantSession(link, this.options.replayBufferSize);
    const permissions = { ...admission.permissions, canPublishSources: [...admission.permissions.canPublishSources] };
    if (admission.profile.hidden) Object.assign(permissions, { canPublish: false, canPublishSources: [] });
    // Open mode: the first person in (or the first after every moderator left) hosts the meeting.
    if (this.options.access.mode === 'open' && !admission.profile.hidden && !this.hasModerator()) permissions.moderator = true;
    const participant = new Participant(id, admission.profile, permissions, request.status ?? 'online', session, this.transportsFor(id));
    const others = [...this.participants.values()];
    // Someone publishes already: the joiner receives at once, so its subscribe transport is made
    // now, before anyone hears of the join, and a media plane that cannot host it refuses the join.
    if (permissions.canSubscribe && others.some((p) => p.tracks.size > 0)) participant.transports.open('subscribe');
    this.participants.set(id, participant);
    clearTimeout(this.emptyTimer);
    this.emptyTimer = undefined;

    // Before `joined`, so that it can say an offer follows; the offer itself goes out a tick later.
    if (participant.permissions.canSubscribe) {
      for (const other of others) {
        for (const track of other.tracks.values()) this.subscribe(participant, track.info.id);
      }
    }
    session.send({
      type: 'joined',
      ...(request.id === undefined ? {} : { id: request.id }),
      v: request.v,
      room: this.name,
      self: participant.info(),
      participants: others.filter((p) => !p.profile.hidden).map((p) => p.info()),
      iceServers: this.options.iceServers(id),
      permissions: participant.permissionsView(),
      access: this.accessState.view(),
      ...(participant.consumers.size > 0 ? { subscriberOfferFollows: true } : {}),
      ...(this.recorder.current ? { recording: this.recorder.current } : {}),
      session: { ...this.options.session, resumeToken: session.resumeToken },
    });
    // Consent: a joiner hears that the meeting is recorded before any media reaches them.
    this.recorder.joined(participant);
    if (!participant.profile.hidden) this.broadcast({ type: 'participant_joined', participant: participant.info() }, id);
    if (participant.isModerator && this.lobby.size > 0) session.send(this.lobby.message());
    this.quality.add(id);
    session.send(this.quality.snapshot());
    const speakers = this.speakers.snapshot();
    if (speakers) session.send(speakers);
    this.emitParticipant('participant_joined', participant);
    this.options.logger.info({ room: this.name, participant: id, identity: participant.identity, size: this.participants.size }, 'participant joined');
    return participant;
  }

  /** Participant `id`'s media transports, each created by the router when first needed. */
  private transportsFor(id: ParticipantId): ParticipantTransports {
    return new ParticipantTransports((role) =>
      this.router.createTransport({
        label: id,
        role,
        onSignal: (signal) => (role === 'publish' ? this.onPublishSignal(id, signal) : this.onSubscribeSignal(id, signal)),
        onStats: (stats) => this.quality.stats(id, role, stats),
      }),
    );
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
    this.emitTrack('track_unpublished', participant, track);
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
    for (const track of participant.tracks.values()) {
      this.forgetTrack(track.info.id);
      this.emitTrack('track_unpublished', participant, track.info);
    }
    for (const track of participant.awaiting.values()) {
      this.forgetTrack(track.id);
      this.emitTrack('track_unpublished', participant, track);
    }
    participant.close();
    this.recorder.left(participant);
    this.quality.remove(participantId);
    if (!participant.profile.hidden) this.broadcast({ type: 'participant_left', participantId, reason });
    this.speakers.remove(participantId, performance.now());
    this.emitParticipant('participant_left', participant, { reason });
    this.options.logger.info({ room: this.name, participant: participantId, reason, size: this.participants.size }, 'participant left');
    if (participant.isModerator) this.electHost();
  }

  /**
   * Open mode: when the last moderator leaves, the longest-present participant hosts the meeting,
   * and if nobody is left but people wait in the lobby, the first of them comes in as host.
   */
  private electHost(): void {
    if (this.options.access.mode !== 'open' || this.hasModerator()) return;
    const next = [...this.participants.values()].filter((p) => !p.profile.hidden).sort((a, b) => a.joinedAt - b.joinedAt)[0];
    if (next) return this.setModerator(next, true);
    const knock = this.lobby.takeAll()[0];
    if (knock) this.decideKnock(knock, true);
  }

  /**
   * Takes someone out of the room for good: they are told why (`removed`), their connection closes
   * with 4003 so their client does not come back, and the others see them leave.
   */
  private expel(participant: Participant, reason: RemovalReason, leave: LeaveReason, message: string): void {
    participant.session.send({ type: 'removed', reason, message });
    participant.session.end('removed');
    this.doRemove(participant.id, leave);
  }

  /** Sends a participant event to webhooks. */
  private emitParticipant(event: 'participant_joined' | 'participant_left' | 'participant_banned', participant: Participant, extra: { reason?: string; banSeconds?: number } = {}): void {
    this.eventLog.emit({ event, participant: participant.webhookView(), ...extra });
  }

  private emitTrack(event: 'track_published' | 'track_unpublished', participant: Participant, track: TrackInfo): void {
    this.eventLog.emit({ event, participant: participant.webhookView(), track: { ...track } });
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
        if (!participant.permissions.canChat) throw ProtocolError.denied('you may not chat in this meeting');
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
      case 'raise_hand':
        if (participant.handRaised !== command.raised) {
          participant.handRaised = command.raised;
          if (!participant.profile.hidden) this.broadcast({ type: 'participant_updated', participant: participant.info() });
        }
        return this.ack(participant, command.id);
      default:
        return this.moderate(participant, command);
    }
  }

  /** A moderator's request; anyone else is refused. */
  private async moderate(
    moderator: Participant,
    command: Extract<RoomCommand, { type: 'mute_participant' | 'remove_participant' | 'set_moderator' | 'update_room' | 'lobby_decision' | 'end_meeting' | 'set_recording' }>,
  ): Promise<void> {
    if (!moderator.isModerator) throw ProtocolError.denied('only a moderator may do this');
    this.options.metrics?.moderated(command.type);
    const by = { id: moderator.id, identity: moderator.identity };
    switch (command.type) {
      case 'mute_participant':
        this.forceMute(this.member(command.participantId), command.source, by);
        break;
      case 'remove_participant': {
        const target = this.member(command.participantId);
        if (target === moderator) throw ProtocolError.invalid('you cannot remove yourself; leave instead');
        await this.remove(target, command.banSeconds, by);
        break;
      }
      case 'set_moderator':
        this.setModerator(this.member(command.participantId), command.moderator);
        this.options.logger.info({ room: this.name, participant: command.participantId, moderator: command.moderator, by }, 'moderator changed');
        break;
      case 'update_room':
        this.updateAccess(command);
        this.options.logger.info({ room: this.name, locked: command.locked, lobby: command.lobby, password: command.password === undefined ? undefined : command.password !== null, by }, 'room access changed');
        break;
      case 'lobby_decision': {
        const knock = this.lobby.take(command.participantId);
        if (!knock) throw ProtocolError.notFound('nobody with that id is waiting in the lobby');
        this.ack(moderator, command.id);
        this.decideKnock(knock, command.admit);
        this.lobbyChanged();
        return;
      }
      case 'set_recording':
        if (command.recording) return this.startRecordingFor(moderator, command.id);
        this.recorder.stop();
        break;
      case 'end_meeting':
        this.ack(moderator, command.id);
        this.options.logger.info({ room: this.name, by }, 'meeting ended by a moderator');
        return this.endAll('ended', 'the meeting has ended');
    }
    this.ack(moderator, command.id);
  }

  /**
   * A moderator asked to record: the start makes its folder beside the queue (never in it), then
   * answers them: `ack` once everyone has been told, or the error (conflict, resource_exhausted,
   * unavailable with the folder's problem).
   */
  private startRecordingFor(moderator: Participant, requestId: number | undefined): void {
    this.recorder.start(moderator).then(
      () => {
        if (this.participants.get(moderator.id) === moderator) this.ack(moderator, requestId);
      },
      (err: unknown) => {
        if (this.participants.get(moderator.id) !== moderator) return;
        const { code, message } = err instanceof ProtocolError ? err : ProtocolError.unavailable('recording could not start');
        moderator.session.send({ type: 'error', ...(requestId === undefined ? {} : { id: requestId }), code, message });
      },
    );
  }

  private member(id: ParticipantId): Participant {
    const participant = this.participants.get(id);
    if (!participant) throw ProtocolError.notFound('no such participant in this room');
    return participant;
  }

  /** Mutes someone's track for them: they are told (`forced`), and only they can unmute it. */
  private forceMute(target: Participant, source: TrackSource, by: object): void {
    const track = target.tracks.get(source);
    const info = track?.info ?? target.awaiting.get(source);
    if (!info) throw ProtocolError.notFound(`their ${source} is not published`);
    if (info.muted) return;
    info.muted = true;
    track?.producer.pause();
    this.broadcast({ type: 'track_muted', participantId: target.id, trackId: info.id, muted: true, forced: true });
    this.options.logger.info({ room: this.name, participant: target.id, source, by }, 'track muted by a moderator');
  }

  /** Removes someone; with `banSeconds` their identity may not come back to this room for that long, on any node. */
  private async remove(target: Participant, banSeconds: number | undefined, by: object): Promise<void> {
    if (banSeconds !== undefined && banSeconds > 0) {
      await this.options.bans.ban(this.name, target.identity, banSeconds);
      this.emitParticipant('participant_banned', target, { banSeconds });
    }
    // The ban went to Redis while the queue waited: they may have left meanwhile.
    if (this.participants.get(target.id) !== target) return;
    const banned = banSeconds !== undefined && banSeconds > 0;
    this.expel(target, banned ? 'banned' : 'kicked', banned ? 'banned' : 'kicked', 'a moderator removed you from the meeting');
    this.options.logger.info({ room: this.name, participant: target.id, identity: target.identity, banSeconds, by }, 'participant removed');
  }

  private setModerator(target: Participant, moderator: boolean): void {
    this.changePermissions(target, { moderator });
  }

  /**
   * Changes what someone may do, at once: revoking publish unpublishes their tracks, revoking
   * subscribe stops what they receive; they are told (`permissions`), the others see a moderator change.
   */
  private changePermissions(target: Participant, patch: Partial<Permissions>): void {
    const before = target.permissions;
    const after: Permissions = { ...before, ...patch, canPublishSources: [...(patch.canPublishSources ?? before.canPublishSources)] };
    if (patch.canPublish === false) after.canPublishSources = [];
    if (patch.canPublish === true && patch.canPublishSources === undefined && after.canPublishSources.length === 0) after.canPublishSources = [...TrackSource.options];
    target.permissions = after;
    const mayPublish = (source: TrackSource) => after.canPublish && after.canPublishSources.includes(source);
    for (const [source, track] of [...target.tracks]) {
      if (!mayPublish(source)) this.dropTrack(target, track.info, track.producer);
    }
    for (const [source, track] of [...target.awaiting]) if (!mayPublish(source)) this.withdraw(target, track);
    if (before.canSubscribe && !after.canSubscribe) {
      for (const [trackId, consumer] of target.consumers) {
        consumer.close();
        target.consumers.delete(trackId);
      }
    } else if (!before.canSubscribe && after.canSubscribe) {
      for (const trackId of this.trackOwners.keys()) this.subscribe(target, trackId);
    }
    target.session.send({ type: 'permissions', permissions: target.permissionsView() });
    if (before.moderator !== after.moderator) {
      if (!target.profile.hidden) this.broadcast({ type: 'participant_updated', participant: target.info() }, target.id);
      if (after.moderator && this.lobby.size > 0) target.session.send(this.lobby.message());
      if (!after.moderator) this.electHost();
    }
  }

  private updateAccess(change: { locked?: boolean | undefined; lobby?: boolean | undefined; password?: string | null | undefined }): void {
    if (change.locked !== undefined) this.accessState.locked = change.locked;
    if (change.lobby !== undefined) this.accessState.lobby = change.lobby;
    if (change.password !== undefined) this.accessState.setPassword(change.password);
    this.broadcast({ type: 'room_access', access: this.accessState.view() });
    // The lobby turned off: whoever waits comes in.
    if (change.lobby === false && this.lobby.size > 0) {
      for (const knock of this.lobby.takeAll()) this.decideKnock(knock, true);
      this.lobbyChanged();
    }
  }

  /** A moderator let someone in (who then gets `joined`) or sent them away. */
  private decideKnock(knock: Knock, admit: boolean): void {
    if (!admit) {
      knock.settle({ error: new ProtocolError(ErrorCode.PermissionDenied, 'a moderator did not let you in', 'lobby_denied') });
      return;
    }
    try {
      knock.settle({ participant: this.admit(knock.request, knock.admission, knock.link, knock.id) });
    } catch (error) {
      knock.settle({ error });
    }
  }

  /** Their connection went away while they waited. */
  private cancelKnock(id: ParticipantId): void {
    const knock = this.lobby.take(id);
    if (!knock) return;
    knock.settle({ error: ProtocolError.unavailable('gone before being let in') });
    this.lobbyChanged();
  }

  /** Tells every moderator who waits now. */
  private lobbyChanged(): void {
    const message = this.lobby.message();
    for (const p of this.participants.values()) if (p.isModerator) p.session.send(message);
  }

  /** Ends the meeting (a moderator) or deletes the room (admin API): everyone out, nobody waits, the room closes. */
  private endAll(reason: 'ended' | 'deleted', message: string): void {
    this.finishReason = reason;
    for (const knock of this.lobby.takeAll()) knock.settle({ error: ProtocolError.unavailable(message) });
    for (const participant of [...this.participants.values()]) {
      participant.session.send({ type: 'removed', reason, message });
      participant.session.end('removed');
      this.participants.delete(participant.id);
      for (const track of [...participant.tracks.values()].map((t) => t.info).concat([...participant.awaiting.values()])) {
        this.forgetTrack(track.id);
        this.emitTrack('track_unpublished', participant, track);
      }
      participant.close();
      this.emitParticipant('participant_left', participant, { reason });
    }
    this.trackOwners.clear();
    this.close();
  }

  private publish(participant: Participant, command: MessageOf<ClientMessage, 'publish'>): void {
    const { canPublish, canPublishSources } = participant.permissions;
    if (!canPublish || !canPublishSources.includes(command.source)) throw ProtocolError.denied(`you may not publish your ${command.source} in this meeting`);
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
    // Before the offer that carries it: its recording then starts with its first packet.
    this.recorder.recordTracksOf(participant);
    this.ack(participant, command.id);
    if (awaited) {
      participant.session.send({ type: 'track_published', participantId: participant.id, track: { ...info } });
      if (awaited.muted !== muted) this.broadcast({ type: 'track_muted', participantId: participant.id, trackId: id, muted }, participant.id);
    } else {
      // The publisher hears it too: that is how it learns its track's id.
      this.broadcast({ type: 'track_published', participantId: participant.id, track: { ...info } });
      this.emitTrack('track_published', participant, info);
    }
    for (const other of this.participants.values()) if (other !== participant && other.permissions.canSubscribe) this.subscribe(other, id);
  }

  private unpublish(participant: Participant, command: MessageOf<ClientMessage, 'unpublish'>): void {
    const awaited = participant.awaiting.get(command.source);
    if (awaited) {
      this.withdraw(participant, awaited);
      return this.ack(participant, command.id);
    }
    const track = participant.tracks.get(command.source);
    if (!track) throw ProtocolError.notFound(`${command.source} is not published`);
    this.ack(participant, command.id);
    this.dropTrack(participant, track.info, track.producer, participant.id);
  }

  /** A published track ends: its producer closes and everyone (but `except`, who asked) is told. */
  private dropTrack(participant: Participant, info: TrackInfo, producer: { close(): void }, except?: ParticipantId): void {
    participant.tracks.delete(info.source);
    this.forgetTrack(info.id);
    producer.close();
    if (info.source === 'microphone') this.speakers.remove(participant.id, performance.now());
    this.broadcast({ type: 'track_unpublished', participantId: participant.id, trackId: info.id }, except);
    this.emitTrack('track_unpublished', participant, info);
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
    let consumer: Consumer;
    try {
      consumer = subscriber.subscribeTransport.consume(track.producer, {
        // The subscriber's bandwidth cannot carry this video now (or can again): its tile says so instead of freezing.
        onStreamState: (state) => {
          if (this.participants.get(subscriber.id) !== subscriber || subscriber.consumers.get(trackId) !== consumer) return;
          subscriber.session.send({ type: 'stream_state', trackId, ...state });
        },
      });
    } catch (error) {
      // The subscriber's transport is made on first use, and the media plane may be unable to host it
      // now (ports, a worker gone); or the network closed it (consent lost: the subscriber is going).
      // The others' publish goes on; this subscriber misses the track, and the log says why. A bug
      // is not a refusal: it fails the room, as anywhere else.
      if (isRoomFault(error)) throw error;
      this.options.logger.warn({ room: this.name, participant: subscriber.id, err: error }, 'no subscribe transport: track not forwarded');
      return;
    }
    subscriber.consumers.set(trackId, consumer);
    const settings = subscriber.trackSettings.get(trackId);
    if (settings) consumer.setTrackSettings(settings);
  }

  /** Track `trackId` is gone: nobody receives it, and what anyone knew about it is dropped. */
  private forgetTrack(trackId: TrackId): void {
    this.trackOwners.delete(trackId);
    this.recorder.trackEnded(trackId);
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


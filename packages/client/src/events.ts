import type { MessageOf, Permissions, RoomAccess, ServerMessage } from '@confab/protocol';
import type { ConfabError, RemovalReason } from './errors';
import type { LocalParticipant } from './LocalParticipant';
import type { LocalTrack } from './LocalTrack';
import type { RemoteParticipant } from './RemoteParticipant';
import type { RemoteTrack, StreamState } from './RemoteTrack';

/** Events a Room emits; the listener arguments are in `RoomEvents`. */
export enum RoomEvent {
  /** Someone joined the room (not emitted for those present when you joined: see `room.participants`). */
  ParticipantJoined = 'participantJoined',
  /** Someone left; their tracks were unsubscribed and unpublished first. */
  ParticipantLeft = 'participantLeft',
  /** A participant's status, name, connection ('reconnecting' / 'connected'), hand or moderator flag changed. */
  ParticipantUpdated = 'participantUpdated',
  /** Your own name, status, raised hand or moderator flag changed. */
  LocalParticipantUpdated = 'localParticipantUpdated',
  /** Media of a remote track arrived: `track.mediaStreamTrack` is set and can be attached. */
  TrackSubscribed = 'trackSubscribed',
  /** A remote track's media stopped (unpublished, participant left); detach it. */
  TrackUnsubscribed = 'trackUnsubscribed',
  /** A track's muted flag changed (check `track.muted`); remote or local. */
  TrackMuted = 'trackMuted',
  /** A remote participant announced a track; its media may not have arrived yet. */
  TrackPublished = 'trackPublished',
  /** A remote participant withdrew a track. */
  TrackUnpublished = 'trackUnpublished',
  /**
   * The server paused a remote video you should see ('paused': your link cannot carry even its
   * lowest layer; `track.streamPauseReason` says why) or resumed it ('active'). Show it as paused, not frozen.
   */
  TrackStreamStateChanged = 'trackStreamStateChanged',
  /** One of your tracks is now published. */
  LocalTrackPublished = 'localTrackPublished',
  /** One of your tracks was unpublished (also when the user stops screen sharing from the browser). */
  LocalTrackUnpublished = 'localTrackUnpublished',
  /**
   * A moderator muted one of your tracks: it is muted here already (nothing is sent, `track.muted`;
   * TrackMuted was emitted too). Only you can unmute it, with `setMuted(source, false)`.
   */
  MutedByModerator = 'mutedByModerator',
  /** What you may do changed (`room.permissions`): made or unmade moderator, publishing or chat granted or revoked. */
  PermissionsChanged = 'permissionsChanged',
  /** The room was locked or unlocked, its lobby or password turned on or off (`room.access`). */
  RoomAccessChanged = 'roomAccessChanged',
  /** Moderators: who waits in the lobby changed (`room.moderation.waiting`, oldest first). */
  LobbyChanged = 'lobbyChanged',
  /** A message from the server's operator to everyone (admin API); show it as a system line. */
  SystemMessage = 'systemMessage',
  /**
   * The server sent you out of the room for good: removed or banned by a moderator, replaced by a
   * newer join of yours elsewhere, the meeting ended. Disconnected follows; there is no reconnect.
   */
  Removed = 'removed',
  /** A chat message, your own included (`fromSelf`). */
  ChatMessage = 'chatMessage',
  /** `room.state` changed. */
  ConnectionStateChanged = 'connectionStateChanged',
  /** The connection dropped; the SDK is reconnecting (media may be frozen meanwhile). */
  Reconnecting = 'reconnecting',
  /**
   * Back after a drop: `resumed` is true if the same session continued, false after a full rejoin.
   * After a room moved to another server the session continues (true) on new peer connections:
   * remote tracks are unsubscribed and subscribed again, and your tracks are published again.
   */
  Reconnected = 'reconnected',
  /**
   * The room ended for good; the reason says why ('left' after `leave()`), and the error (also
   * `room.disconnectError`) says it for programs: `removed` with its `removal`, a refused reconnect
   * with its `refusal`, else `closed`. No error after `leave()`.
   */
  Disconnected = 'disconnected',
  /**
   * Who is speaking changed (measured by the server from audio levels): `speakers` loudest first
   * (your own id among them when you speak), a few times per second while it changes.
   */
  ActiveSpeakersChanged = 'activeSpeakersChanged',
  /** The dominant speaker (stable: a cough does not take it) changed; null until someone has spoken. */
  DominantSpeakerChanged = 'dominantSpeakerChanged',
  /** A participant's connection quality (yours included), judged by the server, changed. */
  ConnectionQualityChanged = 'connectionQualityChanged',
  /**
   * A recording of the room started (`recording` set) or stopped (null; `stop` says why, with the
   * server's `error` when it failed, and is undefined when it ended while you were away).
   * `room.recording` is already right when connect() resolves: read it to tell people as they enter.
   */
  RecordingChanged = 'recordingChanged',
  /** The server is going away in `seconds`. */
  ShutdownAnnounced = 'shutdownAnnounced',
  /** An asynchronous error not tied to a call you made (server error without request id, media or connection failure). */
  Error = 'error',
}

/** Where the room's connection is. `Disconnected` is final; `room.disconnectReason` says why. */
export enum ConnectionState {
  Connecting = 'connecting',
  Connected = 'connected',
  /** The connection dropped and the SDK is getting it back; requests made now are queued. */
  Reconnecting = 'reconnecting',
  Disconnected = 'disconnected',
}

/** Why a participant left, as the server reports it. */
export type ParticipantLeftReason = MessageOf<ServerMessage, 'participant_left'>['reason'];

/** A chat message as the app sees it; `text` is plain text and must never be rendered as HTML. */
export interface ChatMessage {
  id: string;
  participantId: string;
  name: string;
  /** Server time of the message. */
  time: Date;
  text: string;
  /** True for the messages you sent. */
  fromSelf: boolean;
}

/** A message from the server's operator (admin API), shown to everyone as a system line. */
export interface SystemMessage {
  id: string;
  /** Server time of the message. */
  time: Date;
  text: string;
}

/** Someone waiting in the lobby for a moderator to let them in or send them away. */
export interface WaitingParticipant {
  participantId: string;
  identity: string;
  name: string;
  /** Since when they wait (server clock). */
  since: Date;
}

/** Someone speaking now, with their level 0..1 (0 at the activity floor). */
export interface ActiveSpeaker {
  participantId: string;
  level: number;
}

/** A recording of the room that runs now (`room.recording`). */
export interface Recording {
  recordingId: string;
  /** Server time it started. */
  startedAt: Date;
  /** The moderator who started it; null when the operator did (admin API). */
  startedBy: { participantId: string; name: string } | null;
}

/** How a recording ended: stopped (a moderator, the admin API, the room closing) or failed (`error` says why: disk full…). */
export interface RecordingStop {
  recordingId: string;
  reason: 'stopped' | 'failed';
  error?: string;
}

export type ConnectionQuality = MessageOf<ServerMessage, 'connection_quality'>['updates'][number]['quality'];

/** Listener arguments for each RoomEvent. */
export interface RoomEvents {
  [RoomEvent.ParticipantJoined]: [participant: RemoteParticipant];
  [RoomEvent.ParticipantLeft]: [participant: RemoteParticipant, reason: ParticipantLeftReason];
  [RoomEvent.ParticipantUpdated]: [participant: RemoteParticipant];
  [RoomEvent.LocalParticipantUpdated]: [participant: LocalParticipant];
  [RoomEvent.TrackSubscribed]: [track: RemoteTrack, participant: RemoteParticipant];
  [RoomEvent.TrackUnsubscribed]: [track: RemoteTrack, participant: RemoteParticipant];
  [RoomEvent.TrackMuted]: [track: RemoteTrack | LocalTrack, participant: RemoteParticipant | LocalParticipant];
  [RoomEvent.TrackPublished]: [track: RemoteTrack, participant: RemoteParticipant];
  [RoomEvent.TrackUnpublished]: [track: RemoteTrack, participant: RemoteParticipant];
  [RoomEvent.TrackStreamStateChanged]: [track: RemoteTrack, participant: RemoteParticipant, state: StreamState];
  [RoomEvent.LocalTrackPublished]: [track: LocalTrack];
  [RoomEvent.LocalTrackUnpublished]: [track: LocalTrack];
  [RoomEvent.MutedByModerator]: [track: LocalTrack];
  [RoomEvent.PermissionsChanged]: [permissions: Permissions];
  [RoomEvent.RoomAccessChanged]: [access: RoomAccess];
  [RoomEvent.LobbyChanged]: [waiting: readonly WaitingParticipant[]];
  [RoomEvent.SystemMessage]: [message: SystemMessage];
  [RoomEvent.Removed]: [removal: RemovalReason | undefined, message: string];
  [RoomEvent.ChatMessage]: [message: ChatMessage];
  [RoomEvent.ConnectionStateChanged]: [state: ConnectionState];
  [RoomEvent.Reconnecting]: [reason: string];
  [RoomEvent.Reconnected]: [resumed: boolean];
  [RoomEvent.Disconnected]: [reason: string, error: ConfabError | undefined];
  [RoomEvent.ActiveSpeakersChanged]: [speakers: readonly ActiveSpeaker[]];
  [RoomEvent.DominantSpeakerChanged]: [participantId: string | null];
  [RoomEvent.ConnectionQualityChanged]: [quality: ConnectionQuality, participantId: string];
  [RoomEvent.RecordingChanged]: [recording: Recording | null, stop: RecordingStop | undefined];
  [RoomEvent.ShutdownAnnounced]: [seconds: number];
  [RoomEvent.Error]: [error: ConfabError];
}

/** How participants and tracks emit through their room. */
export type EmitRoomEvent = <K extends keyof RoomEvents>(event: K, ...args: RoomEvents[K]) => void;

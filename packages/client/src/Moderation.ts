import { MAX_BAN_SECONDS, MAX_ROOM_PASSWORD_LENGTH, type MessageOf, type ParticipantId, type ServerMessage, type TrackSource } from '@confab/protocol';
import { ConfabError } from './errors';
import { RoomEvent, type EmitRoomEvent, type WaitingParticipant } from './events';
import type { Signaller } from './PeerLink';

/**
 * A moderator's side of the room (`room.moderation`): the lobby, and requests that act on others
 * or on the room. The server checks every request: anyone who is not a moderator gets
 * `permission_denied` (`room.permissions.moderator` says whether you are one). Each call resolves
 * when the server has done it; what changed arrives as the usual events.
 */
export class Moderation {
  private lobby: readonly WaitingParticipant[] = [];

  /** @internal created by Room */
  constructor(
    private readonly signal: Signaller,
    private readonly emit: EmitRoomEvent,
  ) {}

  /** Who waits in the lobby, oldest first (moderators only; empty for everyone else). */
  get waiting(): readonly WaitingParticipant[] {
    return this.lobby;
  }

  /**
   * Mutes someone's microphone, camera ('Stop camera') or screen share. They see that a moderator
   * did it, and only they can unmute it: there is no request to unmute someone else.
   */
  async muteParticipant(participantId: string, source: TrackSource): Promise<void> {
    await this.signal.request({ type: 'mute_participant', participantId: participantId as ParticipantId, source });
  }

  /** Removes someone; with `banSeconds` (1 to 30 days' worth) their identity cannot come back for that long. */
  async removeParticipant(participantId: string, options: { banSeconds?: number } = {}): Promise<void> {
    const { banSeconds } = options;
    if (banSeconds !== undefined && !(Number.isInteger(banSeconds) && banSeconds > 0 && banSeconds <= MAX_BAN_SECONDS)) {
      throw ConfabError.invalid(`banSeconds must be a whole number from 1 to ${MAX_BAN_SECONDS}`);
    }
    await this.signal.request({ type: 'remove_participant', participantId: participantId as ParticipantId, ...(banSeconds ? { banSeconds } : {}) });
  }

  /** Makes someone a moderator, or takes it back. */
  async setModerator(participantId: string, moderator: boolean): Promise<void> {
    await this.signal.request({ type: 'set_moderator', participantId: participantId as ParticipantId, moderator });
  }

  /** A locked room takes no new joins, except moderators'. */
  async lockRoom(locked: boolean): Promise<void> {
    await this.signal.request({ type: 'update_room', locked });
  }

  /** With the lobby on, people who join wait until a moderator admits them. */
  async setLobby(on: boolean): Promise<void> {
    await this.signal.request({ type: 'update_room', lobby: on });
  }

  /** Sets the password joiners must give from now on, or (null) removes it. People already in stay. */
  async setPassword(password: string | null): Promise<void> {
    if (password !== null && (password.length === 0 || password.length > MAX_ROOM_PASSWORD_LENGTH)) {
      throw ConfabError.invalid(`a room password is 1 to ${MAX_ROOM_PASSWORD_LENGTH} characters`);
    }
    await this.signal.request({ type: 'update_room', password });
  }

  /**
   * Starts (true) or stops (false) recording the room. Resolves once the server has done it;
   * everyone, you included, then gets RoomEvent.RecordingChanged. Rejects with the server's
   * ConfabError: `conflict` (it runs already), `resource_exhausted` (the server records as many
   * rooms as it may), `unavailable` (the recordings folder cannot be written; the message says
   * why), `not_found` (stopping when nothing is recorded), `permission_denied` (not a moderator).
   */
  async setRecording(on: boolean): Promise<void> {
    await this.signal.request({ type: 'set_recording', recording: on });
  }

  /** Lets someone waiting in the lobby in. */
  async admit(participantId: string): Promise<void> {
    await this.signal.request({ type: 'lobby_decision', participantId: participantId as ParticipantId, admit: true });
  }

  /** Sends someone waiting in the lobby away. */
  async deny(participantId: string): Promise<void> {
    await this.signal.request({ type: 'lobby_decision', participantId: participantId as ParticipantId, admit: false });
  }

  /** Ends the meeting for everyone, you included (RoomEvent.Removed with 'ended'). */
  async endMeeting(): Promise<void> {
    await this.signal.request({ type: 'end_meeting' });
  }

  /** @internal The server's lobby list (to moderators, whenever it changes). */
  setWaiting(waiting: MessageOf<ServerMessage, 'lobby'>['waiting']): void {
    this.replace(waiting.map((w) => ({ participantId: w.participantId, identity: w.identity, name: w.name, since: new Date(w.since) })));
  }

  /** @internal No longer a moderator, or a new session: the list we had is stale. */
  clearWaiting(): void {
    this.replace([]);
  }

  private replace(waiting: readonly WaitingParticipant[]): void {
    if (waiting.length === 0 && this.lobby.length === 0) return;
    this.lobby = waiting;
    this.emit(RoomEvent.LobbyChanged, waiting);
  }
}

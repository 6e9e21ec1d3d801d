import type { MessageOf, ServerMessage } from '@confab/protocol';
import { RoomEvent, type EmitRoomEvent, type Recording, type RecordingStop } from './events';

/**
 * Whether the room is being recorded, from the server's `recording_started` / `recording_stopped`.
 * These are state, not news: they are applied as they arrive, even while connect() holds other
 * messages back (Room.mediaUnderWay), so that `room.recording` is right when connect() resolves.
 */
export class RoomRecording {
  private state: Recording | null = null;
  /** After a full rejoin: the server says right after `joined` if a recording runs; silence means none. */
  private unconfirmed = false;

  constructor(private readonly emit: EmitRoomEvent) {}

  get current(): Recording | null {
    return this.state;
  }

  /** Handles a message if it is about recording; true when it was. */
  handle(message: ServerMessage): boolean {
    if (message.type === 'recording_started') {
      this.unconfirmed = false;
      this.started(message);
      return true;
    }
    if (this.unconfirmed) {
      // Anything else first: no recording runs now, and we missed how the one we knew of ended.
      this.unconfirmed = false;
      if (this.state) this.change(null, undefined);
    }
    if (message.type !== 'recording_stopped') return false;
    if (this.state?.recordingId === message.recordingId) {
      this.change(null, { recordingId: message.recordingId, reason: message.reason, ...(message.error !== null ? { error: message.error } : {}) });
    }
    return true;
  }

  /** A new session is being joined (full rejoin): what we knew may have ended while we were away. */
  rejoining(): void {
    this.unconfirmed = true;
  }

  private started(message: MessageOf<ServerMessage, 'recording_started'>): void {
    if (this.state?.recordingId === message.recordingId) return; // told again after a rejoin
    const startedBy = message.startedBy && { participantId: message.startedBy.participantId as string, name: message.startedBy.name };
    this.change({ recordingId: message.recordingId, startedAt: new Date(message.startedAt), startedBy }, undefined);
  }

  private change(recording: Recording | null, stop: RecordingStop | undefined): void {
    this.state = recording;
    this.emit(RoomEvent.RecordingChanged, recording, stop);
  }
}

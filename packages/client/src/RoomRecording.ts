import type { RunningRecording, ServerMessage } from '@confab/protocol';
import { RoomEvent, type EmitRoomEvent, type Recording, type RecordingStop } from './events';

/**
 * Whether the room is being recorded: `joined` says how it is as we enter (also after a full
 * rejoin), `recording_started` / `recording_stopped` bring changes. Those are state, not news: they
 * are applied as they arrive, even while connect() holds other messages back (Room.mediaUnderWay).
 */
export class RoomRecording {
  private state: Recording | null = null;

  constructor(private readonly emit: EmitRoomEvent) {}

  get current(): Recording | null {
    return this.state;
  }

  /** Handles a message if it is about recording; true when it was. */
  handle(message: ServerMessage): boolean {
    if (message.type === 'recording_started') {
      this.started(message);
      return true;
    }
    if (message.type !== 'recording_stopped') return false;
    if (this.state?.recordingId === message.recordingId) {
      this.change(null, { recordingId: message.recordingId, reason: message.reason, ...(message.error !== null ? { error: message.error } : {}) });
    }
    return true;
  }

  /**
   * `joined`, first or after a full rejoin: the recording that runs now. One that ended while we
   * were away ends here without a stop (we missed why).
   */
  joined(running: RunningRecording | undefined): void {
    if (running) this.started(running);
    else if (this.state) this.change(null, undefined);
  }

  private started(message: RunningRecording): void {
    if (this.state?.recordingId === message.recordingId) return; // known from `joined` already
    const startedBy = message.startedBy && { participantId: message.startedBy.participantId as string, name: message.startedBy.name };
    this.change({ recordingId: message.recordingId, startedAt: new Date(message.startedAt), startedBy }, undefined);
  }

  private change(recording: Recording | null, stop: RecordingStop | undefined): void {
    this.state = recording;
    this.emit(RoomEvent.RecordingChanged, recording, stop);
  }
}

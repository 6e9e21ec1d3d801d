import { ProtocolError, type MessageOf, type RoomName, type RoomRecordingStatus, type RunningRecording, type ServerMessage, type TrackId, type WebhookEvent } from '@confab/protocol';
import { errorMessage } from '../media/errors';
import type { NodeRecordings } from '../recording/NodeRecordings';
import { RoomRecording, type RecordingOutcome } from '../recording/RoomRecording';
import { newRecordingId } from './ids';
import type { Participant } from './Participant';

/** What the recorder needs of its room. */
export interface RecorderHost {
  readonly name: RoomName;
  readonly isClosed: boolean;
  /** Runs a task on the room's queue. */
  enqueue<T>(task: () => T | Promise<T>): Promise<T>;
  broadcast(message: ServerMessage): void;
  members(): Iterable<Participant>;
  /** A webhook event of this room. */
  emit(fields: Pick<WebhookEvent, 'event' | 'recording'>): void;
  logger: { info(obj: object, msg: string): void; warn(obj: object, msg: string): void };
}

interface Running {
  recording: RoomRecording;
  started: MessageOf<ServerMessage, 'recording_started'>;
  /** Gives the node's recording slot back. */
  release: () => void;
}

/**
 * A room's recording, seen from the room: who may start and stop it, telling everyone (and each
 * joiner) that it runs, and feeding it the room's tracks and people. Every method but start() runs
 * on the room's queue; nothing here ever makes the queue wait on the disk or the media worker: the
 * slow parts (making the folder, finalizing files) run beside it and come back through enqueue().
 */
export class RoomRecorder {
  private running: Running | undefined;
  /** A start is making its folder: a second start is refused meanwhile. */
  private starting = false;

  constructor(
    private readonly host: RecorderHost,
    private readonly recordings: NodeRecordings | undefined,
  ) {}

  get active(): boolean {
    return this.running !== undefined;
  }

  /**
   * Starts recording (`by`: the moderator, null for the admin API). Called off the queue. Refused
   * with conflict when one runs, resource_exhausted at CONFAB_MAX_RECORDINGS, unavailable when the
   * folder cannot be written (the message says which and why).
   */
  async start(by: Participant | null): Promise<RoomRecordingStatus> {
    const { recordings } = this;
    if (!recordings) throw ProtocolError.unavailable('this server does not record');
    const release = await this.host.enqueue(() => {
      if (this.host.isClosed) throw ProtocolError.unavailable(`room "${this.host.name}" is closed`);
      if (this.running || this.starting) throw ProtocolError.conflict(`room "${this.host.name}" is already being recorded`);
      const slot = recordings.reserve();
      this.starting = true;
      return slot;
    });
    const id = newRecordingId();
    let recording: RoomRecording;
    try {
      recording = await RoomRecording.open({
        id,
        room: this.host.name,
        root: recordings.root,
        logger: this.host.logger,
        // Only this recording: by the time the queue gets to it, it may have been stopped and another begun.
        onFailed: (error) =>
          void this.host
            .enqueue(() => {
              if (this.running?.recording.id === id) this.stop(error);
            })
            .catch(() => undefined),
      });
    } catch (err) {
      release();
      this.starting = false;
      this.host.logger.warn({ room: this.host.name, err }, 'recording could not start');
      throw ProtocolError.unavailable(errorMessage(err));
    }
    return this.host.enqueue(() => {
      this.starting = false;
      if (this.host.isClosed) {
        void recording.stop('the room closed as the recording started').finally(release);
        throw ProtocolError.unavailable(`room "${this.host.name}" closed`);
      }
      const started = {
        type: 'recording_started' as const,
        recordingId: id,
        startedAt: recording.startedAt,
        startedBy: by && { participantId: by.id, name: by.name },
      };
      this.running = { recording, started, release };
      for (const p of this.host.members()) {
        if (!p.profile.hidden) recording.participantJoined(p.id, p.name);
        this.recordTracksOf(p);
      }
      this.host.broadcast(started);
      this.host.emit({ event: 'recording_started', recording: { id, dir: recording.dir, startedAt: recording.startedAt } });
      this.host.logger.info({ room: this.host.name, recording: id, dir: recording.dir, by: by?.id ?? 'admin' }, 'recording started');
      return { id, room: this.host.name, dir: recording.dir, startedAt: recording.startedAt, error: null };
    });
  }

  /**
   * On the queue: stops the recording; `error` marks it failed (and says why to everyone). The
   * returned promise settles once every file is finalized; the queue does not wait for it.
   * not_found when nothing is recorded.
   */
  stop(error: string | null = null): { done: Promise<RecordingOutcome> } {
    const running = this.running;
    if (!running) throw ProtocolError.notFound(`room "${this.host.name}" is not being recorded`);
    this.running = undefined;
    const { recording, release } = running;
    this.host.broadcast({ type: 'recording_stopped', recordingId: recording.id, reason: error === null ? 'stopped' : 'failed', error });
    const done = recording.stop(error).finally(release);
    void done.then(
      (outcome) => this.finished(outcome),
      (err: unknown) => this.host.logger.warn({ room: this.host.name, recording: recording.id, err }, 'finishing a recording failed'),
    );
    return { done };
  }

  /**
   * Every file is finalized. A stopped recording's composite is made next (off the room's queue,
   * one at a time on the node): recording_finished fires once it is ready, with the track files and
   * the composite, or recording_failed says why it could not be made. A recording that failed
   * while writing gets recording_failed at once and no composite.
   */
  private finished(outcome: RecordingOutcome): void {
    const { host } = this;
    const recording = { id: outcome.id, dir: outcome.dir, startedAt: outcome.startedAt, stoppedAt: outcome.stoppedAt, files: outcome.files };
    const failed = (error: string) => {
      host.emit({ event: 'recording_failed', recording: { ...recording, error: error.slice(0, 1000) } });
      host.logger.info({ room: host.name, recording: outcome.id, files: outcome.files.length, error }, 'recording failed');
    };
    if (outcome.error !== null) return failed(outcome.error);
    const composite = this.recordings?.composite(outcome.dir);
    if (!composite) {
      host.emit({ event: 'recording_finished', recording });
      host.logger.info({ room: host.name, recording: outcome.id, files: outcome.files.length }, 'recording finished');
      return;
    }
    composite.then(
      (made) => {
        host.emit({ event: 'recording_finished', recording: { ...recording, composite: { path: made.file, durationMs: made.durationMs, bytes: made.bytes } } });
        host.logger.info({ room: host.name, recording: outcome.id, files: outcome.files.length, composite: made.file }, 'recording finished');
      },
      (err: unknown) => failed(`the composite could not be made: ${errorMessage(err)}`),
    );
  }

  /** On the queue, as the room closes (or moves away): a recording never outlives its room. */
  roomClosing(reason: string | null): void {
    if (this.running) this.stop(reason);
  }

  /** On the queue: a joiner hears that recording is on right after `joined`, before any media. */
  /** The recording that runs now, for `joined`; undefined when none. */
  get current(): RunningRecording | undefined {
    if (!this.running) return undefined;
    const { type: _type, ...recording } = this.running.started;
    return recording;
  }

  joined(participant: Participant): void {
    if (!this.running) return;
    participant.session.send(this.running.started);
    if (!participant.profile.hidden) this.running.recording.participantJoined(participant.id, participant.name);
  }

  left(participant: Participant): void {
    this.running?.recording.participantLeft(participant.id);
  }

  /**
   * On the queue: `participant`'s tracks are recorded (the recording started, or they published a
   * track). Tracks already written are left be.
   */
  recordTracksOf(participant: Participant): void {
    const recording = this.running?.recording;
    if (!recording) return;
    for (const { info, producer } of participant.tracks.values()) {
      recording.addTrack(producer, { trackId: info.id, participantId: participant.id, participantName: participant.name, kind: info.kind, source: info.source });
    }
  }

  /** On the queue: a track was unpublished: its file is finalized. */
  trackEnded(trackId: TrackId): void {
    this.running?.recording.endTrack(trackId);
  }
}

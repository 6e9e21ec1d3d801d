import {
  ProtocolError,
  type CreateRoomBody,
  type ParticipantDetails,
  type Permissions,
  type RecordingSummary,
  type RoomName,
  type RoomRecordingStatus,
  type RoomSummary,
  type TrackSource,
} from '@confab/protocol';
import type { NodeRecordings } from '../recording/NodeRecordings';
import type { Room } from '../rooms/Room';
import { DEFAULT_EMPTY_TIMEOUT_SECONDS, type AdminOp } from './adminOps';
import type { LocalDirectory } from './LocalDirectory';
import type { RoomAdministration } from './RoomAdministration';

/** The admin API on the rooms of this node: all of them on one node, the ones it hosts in a cluster. */
export class LocalAdministration implements RoomAdministration {
  constructor(private readonly rooms: LocalDirectory) {}

  /** Runs one call here (a cluster's node does this for calls carried to it). */
  run(op: AdminOp): Promise<unknown> {
    switch (op.op) {
      case 'list':
        return this.listRooms();
      case 'get':
        return this.getRoom(op.room);
      case 'create':
        return this.createRoom(op.body);
      case 'delete':
        return this.deleteRoom(op.room);
      case 'participants':
        return this.listParticipants(op.room);
      case 'remove':
        return this.removeParticipant(op.room, op.identity, op.banSeconds);
      case 'mute':
        return this.muteTrack(op.room, op.identity, op.source);
      case 'permissions':
        return this.updatePermissions(op.room, op.identity, op.permissions);
      case 'message':
        return this.sendMessage(op.room, op.text);
      case 'startRecording':
        return this.startRecording(op.room);
      case 'stopRecording':
        return this.stopRecording(op.room);
      case 'recordings':
        return this.listRecordings();
    }
  }

  async listRooms(): Promise<RoomSummary[]> {
    return [...this.rooms.rooms()].filter((r) => !r.isClosed).map((r) => r.summary());
  }

  async getRoom(room: string): Promise<RoomSummary> {
    return this.open(room).summary();
  }

  async createRoom(body: CreateRoomBody): Promise<RoomSummary> {
    const room = this.rooms.open(body.name, {
      maxParticipants: body.maxParticipants ?? this.rooms.defaultMaxParticipants,
      emptyTimeoutSeconds: body.emptyTimeoutSeconds ?? DEFAULT_EMPTY_TIMEOUT_SECONDS,
      ...(body.locked === undefined ? {} : { locked: body.locked }),
      ...(body.lobby === undefined ? {} : { lobby: body.lobby }),
      ...(body.password === undefined ? {} : { password: body.password }),
    });
    return room.summary();
  }

  deleteRoom(room: string): Promise<void> {
    return this.open(room).adminDelete();
  }

  listParticipants(room: string): Promise<ParticipantDetails[]> {
    return this.open(room).participantDetails();
  }

  removeParticipant(room: string, identity: string, banSeconds?: number): Promise<void> {
    return this.open(room).adminRemove(identity, banSeconds);
  }

  muteTrack(room: string, identity: string, source: TrackSource): Promise<ParticipantDetails> {
    return this.open(room).adminMute(identity, source);
  }

  updatePermissions(room: string, identity: string, permissions: Partial<Permissions>): Promise<ParticipantDetails> {
    return this.open(room).adminUpdatePermissions(identity, permissions);
  }

  sendMessage(room: string, text: string): Promise<void> {
    return this.open(room).adminMessage(text);
  }

  startRecording(room: string): Promise<RoomRecordingStatus> {
    return this.open(room).adminStartRecording();
  }

  stopRecording(room: string): Promise<RoomRecordingStatus> {
    return this.open(room).adminStopRecording();
  }

  async listRecordings(): Promise<RecordingSummary[]> {
    return (await this.recordings()?.list()) ?? [];
  }

  async recordingFile(recordingId: string, file: string): Promise<string> {
    const recordings = this.recordings();
    if (!recordings) throw ProtocolError.notFound(`no recording "${recordingId}" on this server`);
    return recordings.filePath(recordingId, file);
  }

  private recordings(): NodeRecordings | undefined {
    return this.rooms.recordings;
  }

  private open(name: string): Room {
    const room = this.rooms.get(name as RoomName);
    if (!room || room.isClosed) throw ProtocolError.notFound(`no room "${name}" is open`);
    return room;
  }
}

import type { CreateRoomBody, ParticipantDetails, Permissions, RecordingSummary, RoomRecordingStatus, RoomSummary, TrackSource } from '@confab/protocol';

/**
 * What the admin API (/api/v1) does to rooms, wherever they live: the router carries each call to
 * the node hosting the room (any node may receive it). Every method throws a ProtocolError:
 * not_found (no such room or identity), conflict (creating a room that exists), invalid_argument,
 * unavailable (the cluster cannot reach the room's node now).
 */
export interface RoomAdministration {
  /** Every open room on every node. */
  listRooms(): Promise<RoomSummary[]>;
  getRoom(room: string): Promise<RoomSummary>;
  /** Opens a room with these settings, placed like a first join would be. */
  createRoom(body: CreateRoomBody): Promise<RoomSummary>;
  /** Everyone is told (`removed`, reason deleted) and disconnected; the room closes. */
  deleteRoom(room: string): Promise<void>;
  listParticipants(room: string): Promise<ParticipantDetails[]>;
  /** With banSeconds, the identity may not come back for that long. */
  removeParticipant(room: string, identity: string, banSeconds?: number): Promise<void>;
  muteTrack(room: string, identity: string, source: TrackSource): Promise<ParticipantDetails>;
  /** Revoking canPublish unpublishes their tracks at once. */
  updatePermissions(room: string, identity: string, permissions: Partial<Permissions>): Promise<ParticipantDetails>;
  sendMessage(room: string, text: string): Promise<void>;
  /** Starts recording on the room's node: conflict if it records already, resource_exhausted at CONFAB_MAX_RECORDINGS, unavailable if its folder cannot be written. */
  startRecording(room: string): Promise<RoomRecordingStatus>;
  /** Stops it; resolves once its files are finalized. not_found if nothing is recorded. */
  stopRecording(room: string): Promise<RoomRecordingStatus>;
  /** The recordings on every node's disk, newest first. */
  listRecordings(): Promise<RecordingSummary[]>;
  /** The path of one recorded file on this node (downloads are served by the node holding the file). */
  recordingFile(recordingId: string, file: string): Promise<string>;
}

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
import type { Logger } from '../../service/logger';
import type { AdminOp } from '../adminOps';
import type { LocalAdministration } from '../LocalAdministration';
import type { RoomAdministration } from '../RoomAdministration';
import type { AdminRelay } from './AdminRelay';
import type { NodeInstance } from './nodeIds';

/** Where a room lives, as the router finds it: here, on another node, or nowhere. */
export interface RoomLocator {
  readonly self: NodeInstance;
  /** The node hosting `room`; undefined when no room of that name is open. */
  ownerOf(room: RoomName): Promise<NodeInstance | undefined>;
  /** The node a new room goes to (as a first join would place it); conflict if it is open somewhere. */
  placeNew(room: RoomName): Promise<NodeInstance>;
  liveInstances(): Promise<NodeInstance[]>;
}

/**
 * The admin API on a cluster: whichever node takes the call carries it to the node hosting the
 * room (AdminRelay); a room list asks every node.
 */
export class ClusterAdministration implements RoomAdministration {
  constructor(
    private readonly local: LocalAdministration,
    private readonly relay: AdminRelay,
    private readonly rooms: RoomLocator,
    private readonly logger: Logger,
  ) {}

  async listRooms(): Promise<RoomSummary[]> {
    const lists = await this.fromEveryNode('rooms', { op: 'list' }, () => this.local.listRooms());
    return lists.flat().sort((a, b) => a.name.localeCompare(b.name));
  }

  async getRoom(room: string): Promise<RoomSummary> {
    return (await this.atOwner({ op: 'get', room })) as RoomSummary;
  }

  async createRoom(body: CreateRoomBody): Promise<RoomSummary> {
    const target = await this.rooms.placeNew(body.name);
    return (await this.at(target, { op: 'create', body })) as RoomSummary;
  }

  async deleteRoom(room: string): Promise<void> {
    await this.atOwner({ op: 'delete', room });
  }

  async listParticipants(room: string): Promise<ParticipantDetails[]> {
    return (await this.atOwner({ op: 'participants', room })) as ParticipantDetails[];
  }

  async removeParticipant(room: string, identity: string, banSeconds?: number): Promise<void> {
    await this.atOwner({ op: 'remove', room, identity, ...(banSeconds === undefined ? {} : { banSeconds }) });
  }

  async muteTrack(room: string, identity: string, source: TrackSource): Promise<ParticipantDetails> {
    return (await this.atOwner({ op: 'mute', room, identity, source })) as ParticipantDetails;
  }

  async updatePermissions(room: string, identity: string, permissions: Partial<Permissions>): Promise<ParticipantDetails> {
    return (await this.atOwner({ op: 'permissions', room, identity, permissions })) as ParticipantDetails;
  }

  async sendMessage(room: string, text: string): Promise<void> {
    await this.atOwner({ op: 'message', room, text });
  }

  async startRecording(room: string): Promise<RoomRecordingStatus> {
    return (await this.atOwner({ op: 'startRecording', room })) as RoomRecordingStatus;
  }

  async stopRecording(room: string): Promise<RoomRecordingStatus> {
    return (await this.atOwner({ op: 'stopRecording', room })) as RoomRecordingStatus;
  }

  /** Each node lists its own disk (the folders are per node unless they share storage). */
  async listRecordings(): Promise<RecordingSummary[]> {
    const lists = await this.fromEveryNode('recordings', { op: 'recordings' }, () => this.local.listRecordings());
    // The same folder seen by several nodes (shared storage) is listed once.
    const byId = new Map(lists.flat().map((r) => [r.id, r]));
    return [...byId.values()].sort((a, b) => b.startedAt.localeCompare(a.startedAt));
  }

  /** Asks every live node (this one directly); a node that does not answer is left out and logged rather than failing the call. */
  private async fromEveryNode<T>(what: string, op: AdminOp, here: () => Promise<T[]>): Promise<T[][]> {
    const instances = await this.rooms.liveInstances().catch(() => {
      throw ProtocolError.unavailable(`the cluster cannot list ${what} right now (Redis is unavailable); try again`);
    });
    return Promise.all(
      instances.map((instance) =>
        (instance === this.rooms.self ? here() : (this.relay.call(instance, op) as Promise<T[]>)).catch((err: unknown) => {
          this.logger.warn({ node: instance, err }, `admin API: a node did not list its ${what}`);
          return [];
        }),
      ),
    );
  }

  /** Downloads are served from this node's disk: the list names each recording's node, whose URL the caller uses. */
  recordingFile(recordingId: string, file: string): Promise<string> {
    return this.local.recordingFile(recordingId, file);
  }

  private async atOwner(op: Extract<AdminOp, { room: string }>): Promise<unknown> {
    const owner = await this.rooms.ownerOf(op.room as RoomName);
    if (!owner) throw ProtocolError.notFound(`no room "${op.room}" is open`);
    return this.at(owner, op);
  }

  private at(instance: NodeInstance, op: AdminOp): Promise<unknown> {
    return instance === this.rooms.self ? this.local.run(op) : this.relay.call(instance, op);
  }
}

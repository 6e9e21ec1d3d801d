import type * as z from 'zod';
import {
  ADMIN_API_PREFIX,
  ParticipantListResponse,
  ParticipantResponse,
  RecordingListResponse,
  RoomListResponse,
  RoomRecordingResponse,
  RoomResponse,
  type RecordingSummary,
  type RoomRecordingStatus,
  type CreateRoomBody,
  type MuteTrackBody,
  type ParticipantDetails,
  type Permissions,
  type RoomSummary,
  type SystemMessageBody,
  type TrackSource,
  type UpdateParticipantBody,
} from '@confab/protocol';
import { AdminApiError } from './AdminApiError';

/** An access token with roomList, roomCreate, roomAdmin or roomRecord grants, or a function that makes a fresh one per call. */
export type AdminToken = string | (() => Promise<string>);

/**
 * The admin HTTP API (/api/v1) of a Confab server. Every failure is an AdminApiError; a network
 * failure is fetch's own TypeError.
 *
 *   const admin = new AdminClient('https://confab.example.com', () => adminToken());
 *   await admin.createRoom({ name: 'standup', maxParticipants: 10 });
 */
export class AdminClient {
  private readonly apiUrl: string;

  constructor(
    baseUrl: string,
    private readonly token: AdminToken,
  ) {
    this.apiUrl = baseUrl.replace(/\/+$/, '') + ADMIN_API_PREFIX;
  }

  async listRooms(): Promise<RoomSummary[]> {
    return (await this.json('GET', '/rooms', RoomListResponse)).rooms;
  }

  async getRoom(name: string): Promise<RoomSummary> {
    return (await this.json('GET', roomPath(name), RoomResponse)).room;
  }

  /** The name as a plain string (the schema's input type): the server checks it. */
  async createRoom(body: z.input<typeof CreateRoomBody>): Promise<RoomSummary> {
    return (await this.json('POST', '/rooms', RoomResponse, body)).room;
  }

  async deleteRoom(name: string): Promise<void> {
    await this.send('DELETE', roomPath(name));
  }

  async listParticipants(room: string): Promise<ParticipantDetails[]> {
    return (await this.json('GET', `${roomPath(room)}/participants`, ParticipantListResponse)).participants;
  }

  /** Removes the participant; with banSeconds, the identity cannot come back for that long. */
  async removeParticipant(room: string, identity: string, options: { banSeconds?: number } = {}): Promise<void> {
    const ban = options.banSeconds === undefined ? '' : `?banSeconds=${options.banSeconds}`;
    await this.send('DELETE', participantPath(room, identity) + ban);
  }

  async muteTrack(room: string, identity: string, source: TrackSource): Promise<ParticipantDetails> {
    const body: MuteTrackBody = { source, muted: true };
    return (await this.json('POST', `${participantPath(room, identity)}/mute`, ParticipantResponse, body)).participant;
  }

  /** Revoking canPublish unpublishes their tracks at once. */
  async updatePermissions(room: string, identity: string, permissions: Partial<Permissions>): Promise<ParticipantDetails> {
    const body: UpdateParticipantBody = { permissions };
    return (await this.json('PATCH', participantPath(room, identity), ParticipantResponse, body)).participant;
  }

  /** Shown to everyone in the room as a system message. */
  async sendMessage(room: string, text: string): Promise<void> {
    const body: SystemMessageBody = { text };
    await this.send('POST', `${roomPath(room)}/messages`, body);
  }

  /** Starts recording the room (docs/recording.md); conflict if it is recorded already. */
  async startRecording(room: string): Promise<RoomRecordingStatus> {
    return (await this.json('POST', `${roomPath(room)}/recording`, RoomRecordingResponse)).recording;
  }

  /** Stops it; resolves once every file is finalized. */
  async stopRecording(room: string): Promise<RoomRecordingStatus> {
    return (await this.json('DELETE', `${roomPath(room)}/recording`, RoomRecordingResponse)).recording;
  }

  async listRecordings(): Promise<RecordingSummary[]> {
    return (await this.json('GET', '/recordings', RecordingListResponse)).recordings;
  }

  /**
   * One recorded file (or the bytes of `range`, inclusive offsets), as fetch's Response: its body
   * streams, so a large file is never held in memory. Needs a roomRecord token.
   */
  async downloadRecordingFile(recordingId: string, file: string, range?: { start: number; end?: number }): Promise<Response> {
    const headers = range ? { range: `bytes=${range.start}-${range.end ?? ''}` } : undefined;
    return this.call('GET', `/recordings/${encodeURIComponent(recordingId)}/files/${encodeURIComponent(file)}`, undefined, headers);
  }

  private async json<T>(method: string, path: string, schema: z.ZodType<T>, body?: unknown): Promise<T> {
    const response = await this.call(method, path, body);
    const parsed = schema.safeParse(await response.json().catch(() => undefined));
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw AdminApiError.unexpected(response.status, `${method} ${path}`, `${issue.path.join('.') || 'body'}: ${issue.message}`);
    }
    return parsed.data;
  }

  /** For answers without a body (204, 202): read to the end all the same, so the connection is reused. */
  private async send(method: string, path: string, body?: unknown): Promise<void> {
    await (await this.call(method, path, body)).arrayBuffer();
  }

  /** The response of a call that succeeded (its body unread), or the AdminApiError of one that did not. */
  private async call(method: string, path: string, body?: unknown, extraHeaders: Record<string, string> = {}): Promise<Response> {
    const token = typeof this.token === 'string' ? this.token : await this.token();
    const headers: Record<string, string> = { ...extraHeaders, authorization: `Bearer ${token}` };
    if (body !== undefined) headers['content-type'] = 'application/json';
    const response = await fetch(this.apiUrl + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    if (!response.ok) throw await AdminApiError.fromResponse(response, `${method} ${path}`);
    return response;
  }
}

function roomPath(room: string): string {
  return `/rooms/${encodeURIComponent(room)}`;
}

function participantPath(room: string, identity: string): string {
  return `${roomPath(room)}/participants/${encodeURIComponent(identity)}`;
}

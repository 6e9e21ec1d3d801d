import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { Counter, Registry } from 'prom-client';
import { AccessToken } from '@confab/server-sdk';
import { RoomName, type AccessGrants, type CreateRoomBody, type ParticipantDetails, type Permissions, type RoomRecordingStatus, type RoomSummary, type TrackSource } from '@confab/protocol';
import type { RoomAdministration } from '../cluster/RoomAdministration';
import type { RateLimit } from './ApiKeyRateLimiter';
import { createAdminApi } from './createAdminApi';

/** The keys of the API under test: two app backends. */
export const API_KEYS: ReadonlyMap<string, string> = new Map([
  ['APIunit', 'unit-test-secret-of-at-least-32-characters'],
  ['APIother', 'other-test-secret-of-at-least-32-characters'],
]);

export const ROOM: RoomSummary = {
  name: RoomName.parse('standup'),
  sid: 'RM_1',
  participants: 1,
  createdAt: 1_796_300_000_000,
  node: 'node-a',
  maxParticipants: 10,
  emptyTimeoutSeconds: 300,
  locked: false,
  lobby: false,
  passwordProtected: false,
};

export const ADA: ParticipantDetails = {
  id: 'PA_1',
  identity: 'u 42/ü',
  name: 'Ada',
  joinedAt: 1_796_300_000_000,
  hidden: false,
  handRaised: false,
  permissions: { canPublish: true, canPublishSources: ['camera'], canSubscribe: true, canChat: true, moderator: false },
  tracks: [],
};

export const RECORDING: RoomRecordingStatus = { id: 'RC_test' as RoomRecordingStatus['id'], room: ROOM.name, dir: '/recordings/RC_test', startedAt: 1_796_000_000_000, error: null };

/** A RoomAdministration that records each call and answers with ROOM and ADA, or throws `failWith`. */
export class RecordingAdministration implements RoomAdministration {
  readonly calls: [string, ...unknown[]][] = [];
  failWith: unknown;

  private async record<T>(answer: T, ...call: [string, ...unknown[]]): Promise<T> {
    this.calls.push(call);
    if (this.failWith !== undefined) throw this.failWith;
    return answer;
  }

  listRooms = () => this.record([ROOM], 'listRooms');
  getRoom = (room: string) => this.record(ROOM, 'getRoom', room);
  createRoom = (body: CreateRoomBody) => this.record(ROOM, 'createRoom', body);
  deleteRoom = (room: string) => this.record(undefined, 'deleteRoom', room);
  listParticipants = (room: string) => this.record([ADA], 'listParticipants', room);
  removeParticipant = (room: string, identity: string, banSeconds?: number) => this.record(undefined, 'removeParticipant', room, identity, banSeconds);
  muteTrack = (room: string, identity: string, source: TrackSource) => this.record(ADA, 'muteTrack', room, identity, source);
  updatePermissions = (room: string, identity: string, permissions: Partial<Permissions>) => this.record(ADA, 'updatePermissions', room, identity, permissions);
  sendMessage = (room: string, text: string) => this.record(undefined, 'sendMessage', room, text);
  startRecording = (room: string) => this.record(RECORDING, 'startRecording', room);
  stopRecording = (room: string) => this.record({ ...RECORDING, stoppedAt: RECORDING.startedAt + 1000 }, 'stopRecording', room);
  listRecordings = () => this.record([], 'listRecordings');
  recordingFile = (recordingId: string, file: string) => this.record(this.filePath ?? '/nonexistent', 'recordingFile', recordingId, file);
  /** What recordingFile answers (a real file, for download tests). */
  filePath: string | undefined;
}

/** An access token with these grants (and no room unless they name one), signed with `key`'s secret, or with `secret`. */
export function adminToken(grants: AccessGrants, { key = 'APIunit', secret = API_KEYS.get(key)! } = {}): Promise<string> {
  return new AccessToken(key, secret, { identity: 'ops' }).addGrant(grants).toJwt();
}

/** The admin API alone on a loopback port, over a RecordingAdministration; anything else is a plain 404. */
export async function startAdminApi(options: { apiKeys?: ReadonlyMap<string, string> | undefined; rateLimit?: RateLimit } = {}) {
  const administration = new RecordingAdministration();
  const logs: Record<string, unknown>[] = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => void logs.push(JSON.parse(line) as Record<string, unknown>) });
  const registry = new Registry();
  const adminApiRequests = new Counter({ name: 'confab_admin_api_requests_total', help: 'calls', labelNames: ['route', 'method', 'status'] as const, registers: [registry] });
  const api = createAdminApi({
    administration,
    apiKeys: 'apiKeys' in options ? options.apiKeys : API_KEYS,
    logger,
    metrics: { adminApiRequests },
    ...(options.rateLimit ? { rateLimit: options.rateLimit } : {}),
  });
  const server = createServer((req, res) => {
    void api(req, res, new URL(req.url ?? '/', 'http://x').pathname).then((handled) => {
      if (!handled) res.writeHead(404).end('not the api');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    administration,
    logs,
    registry,
    baseUrl,
    /** fetch of a path under /api/v1. */
    call: (path: string, init: RequestInit = {}) => fetch(`${baseUrl}/api/v1${path}`, init),
    close: () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      return closed;
    },
  };
}
export type TestAdminApi = Awaited<ReturnType<typeof startAdminApi>>;

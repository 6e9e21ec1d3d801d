import { ADMIN_API_PREFIX, MAX_BAN_SECONDS, MAX_IDENTITY_LENGTH, ROOM_NAME_PATTERN } from '@confab/protocol';
import { MAX_ADMIN_BODY_BYTES } from './readJsonBody';
import { ADMIN_API_RATE_LIMIT } from './ApiKeyRateLimiter';
import { componentSchemas, type SchemaName } from './openApiSchemas';
import type { OpenApiDocument, Reference, RequestBody, Response } from './openApiTypes';

const schema = (name: SchemaName): Reference => ({ $ref: `#/components/schemas/${name}` });
const json = (name: SchemaName) => ({ 'application/json': { schema: schema(name) } });
const body = (name: SchemaName): RequestBody => ({ required: true, content: json(name) });
const ok = (description: string, name: SchemaName): Response => ({ description, content: json(name) });
const param = (name: 'Room' | 'Identity' | 'Recording' | 'File'): Reference => ({ $ref: `#/components/parameters/${name}` });

/** The error answers by status; each operation lists those it can give. */
const ERRORS = {
  400: 'InvalidArgument',
  401: 'Unauthenticated',
  403: 'PermissionDenied',
  404: 'NotFound',
  409: 'Conflict',
  413: 'BodyTooLarge',
  415: 'NotJson',
  429: 'RateLimited',
  503: 'Unavailable',
} as const;
type ErrorStatus = keyof typeof ERRORS;

/** What every authenticated call can answer besides its own errors. */
const AUTHENTICATED: readonly ErrorStatus[] = [401, 403, 429, 503];
/** And every call that takes a body. */
const WITH_BODY: readonly ErrorStatus[] = [400, 413, 415];

function errors(...statuses: ErrorStatus[]): Record<string, Reference> {
  const all = [...new Set([...AUTHENTICATED, ...statuses])].sort((a, b) => a - b);
  return Object.fromEntries(all.map((status) => [String(status), { $ref: `#/components/responses/${ERRORS[status]}` }]));
}

function error(description: string, headers?: Response['headers']): Response {
  return { description, ...(headers ? { headers } : {}), content: json('AdminErrorBody') };
}

const RECORD_OR_ADMIN = 'Needs roomRecord, or roomAdmin for this room.';

const ROOM_ADMIN = 'Needs roomAdmin for this room (a token whose grants.room is this room, or a roomAdmin token naming no room).';

/** GET /api/v1/openapi.json: the admin API (routes.ts) described for tools; a test keeps both in step. */
export const OPENAPI_DOCUMENT: OpenApiDocument = {
  openapi: '3.1.0',
  info: {
    title: 'Confab admin API',
    version: '1',
    description:
      'Manage the rooms of a Confab server or cluster: any node answers for every room. Every call but this document needs ' +
      '`Authorization: Bearer <access token>`, a JWT signed with one of CONFAB_API_KEYS and holding the grants each call names ' +
      '(x-confab-grants: any one of them). A server without API keys refuses every call with 403. ' +
      `Each API key may make ${ADMIN_API_RATE_LIMIT.perSecond} calls a second, in bursts of up to ${ADMIN_API_RATE_LIMIT.burst}. See docs/api.md.`,
  },
  servers: [{ url: ADMIN_API_PREFIX, description: 'On every Confab node' }],
  security: [{ accessToken: [] }],
  paths: {
    '/openapi.json': {
      get: {
        operationId: 'getOpenApiDocument',
        summary: 'This document',
        description: 'Needs no token.',
        'x-confab-grants': [],
        security: [],
        responses: { 200: { description: 'The OpenAPI 3.1 document of the admin API', content: { 'application/json': { schema: { type: 'object' } } } } },
      },
    },
    '/rooms': {
      get: {
        operationId: 'listRooms',
        summary: 'Every open room, on every node of the cluster',
        description: 'Needs roomList.',
        'x-confab-grants': ['roomList'],
        responses: { 200: ok('The rooms', 'RoomListResponse'), ...errors() },
      },
      post: {
        operationId: 'createRoom',
        summary: 'Open a room with these settings',
        description:
          'Needs roomCreate. The room is placed as a first join would place it, and waits emptyTimeoutSeconds for its first ' +
          'participant. Settings left out take the server\'s defaults. The password is never shown again: rooms say only passwordProtected.',
        'x-confab-grants': ['roomCreate'],
        requestBody: body('CreateRoomBody'),
        responses: { 201: ok('The room, as created', 'RoomResponse'), ...errors(...WITH_BODY, 409) },
      },
    },
    '/rooms/{room}': {
      get: {
        operationId: 'getRoom',
        summary: 'One room',
        description: 'Needs roomList, or roomAdmin for this room.',
        'x-confab-grants': ['roomList', 'roomAdmin'],
        parameters: [param('Room')],
        responses: { 200: ok('The room', 'RoomResponse'), ...errors(400, 404) },
      },
      delete: {
        operationId: 'deleteRoom',
        summary: 'Close a room',
        description: 'Needs roomCreate, or roomAdmin for this room. Everyone in it gets `removed` (reason deleted) and is disconnected (close code 4003).',
        'x-confab-grants': ['roomCreate', 'roomAdmin'],
        parameters: [param('Room')],
        responses: { 204: { description: 'Closed' }, ...errors(400, 404) },
      },
    },
    '/rooms/{room}/participants': {
      get: {
        operationId: 'listParticipants',
        summary: 'Everyone in a room, hidden participants included',
        description: ROOM_ADMIN,
        'x-confab-grants': ['roomAdmin'],
        parameters: [param('Room')],
        responses: { 200: ok('The participants', 'ParticipantListResponse'), ...errors(400, 404) },
      },
    },
    '/rooms/{room}/participants/{identity}': {
      delete: {
        operationId: 'removeParticipant',
        summary: 'Remove a participant, and ban the identity for a while',
        description: `${ROOM_ADMIN} They get \`removed\` (kicked, or banned with banSeconds) and are disconnected; a banned identity's joins are refused until the ban ends.`,
        'x-confab-grants': ['roomAdmin'],
        parameters: [
          param('Room'),
          param('Identity'),
          {
            name: 'banSeconds',
            in: 'query',
            required: false,
            description: 'Also ban the identity from the room for this many seconds.',
            schema: { type: 'integer', minimum: 1, maximum: MAX_BAN_SECONDS },
          },
        ],
        responses: { 204: { description: 'Removed' }, ...errors(400, 404) },
      },
      patch: {
        operationId: 'updatePermissions',
        summary: "Change a participant's permissions",
        description: `${ROOM_ADMIN} Only the permissions given change. Revoking canPublish unpublishes their tracks for everyone at once; they get \`permissions\`.`,
        'x-confab-grants': ['roomAdmin'],
        parameters: [param('Room'), param('Identity')],
        requestBody: body('UpdateParticipantBody'),
        responses: { 200: ok('The participant, as changed', 'ParticipantResponse'), ...errors(...WITH_BODY, 404) },
      },
    },
    '/rooms/{room}/participants/{identity}/mute': {
      post: {
        operationId: 'muteTrack',
        summary: "Mute a participant's track",
        description: `${ROOM_ADMIN} Everyone gets \`track_muted\` with forced: only its owner can unmute it.`,
        'x-confab-grants': ['roomAdmin'],
        parameters: [param('Room'), param('Identity')],
        requestBody: body('MuteTrackBody'),
        responses: { 200: ok('The participant, as changed', 'ParticipantResponse'), ...errors(...WITH_BODY, 404) },
      },
    },
    '/rooms/{room}/recording': {
      post: {
        operationId: 'startRecording',
        summary: "Start recording a room: every track to its own file on the room's node",
        description:
          `${RECORD_OR_ADMIN} Everyone in the room gets \`recording_started\`, joiners too while it runs; webhook recording_started. ` +
          '409 if it is recorded already; 429 (resource_exhausted) at CONFAB_MAX_RECORDINGS; 503 if the folder cannot be written (the message says why).',
        'x-confab-grants': ['roomRecord', 'roomAdmin'],
        parameters: [param('Room')],
        responses: { 201: ok('The recording, as started', 'RoomRecordingResponse'), ...errors(400, 404, 409) },
      },
      delete: {
        operationId: 'stopRecording',
        summary: "Stop a room's recording",
        description: `${RECORD_OR_ADMIN} Answers once every file is finalized. Everyone gets \`recording_stopped\`; webhook recording_finished. 404 if nothing is recorded.`,
        'x-confab-grants': ['roomRecord', 'roomAdmin'],
        parameters: [param('Room')],
        responses: { 200: ok('The recording, as stopped', 'RoomRecordingResponse'), ...errors(400, 404) },
      },
    },
    '/recordings': {
      get: {
        operationId: 'listRecordings',
        summary: 'Every recording on the disks of the cluster, with its files and its composite job, newest first',
        description: 'Needs roomRecord. `composite`: the one MP4 made after the stop (state queued, running, done or failed; progress 0-1; file once done).',
        'x-confab-grants': ['roomRecord'],
        responses: { 200: ok('The recordings', 'RecordingListResponse'), ...errors() },
      },
    },
    '/recordings/{recording}/files/{file}': {
      get: {
        operationId: 'downloadRecordingFile',
        summary: 'Download one recorded file',
        description:
          "Needs roomRecord. A track file the manifest lists, or `composite.mp4` once made. Served by the node whose disk holds it (the list's `node`). Honours one byte range (`Range: bytes=a-b`): 206 with Content-Range; 416 past the end.",
        'x-confab-grants': ['roomRecord'],
        parameters: [param('Recording'), param('File')],
        responses: {
          200: { description: 'The file', content: { 'video/webm': { schema: { type: 'string', format: 'binary' } }, 'video/x-matroska': { schema: { type: 'string', format: 'binary' } }, 'video/mp4': { schema: { type: 'string', format: 'binary' } } } },
          206: { description: 'The range asked for', content: { 'video/webm': { schema: { type: 'string', format: 'binary' } }, 'video/x-matroska': { schema: { type: 'string', format: 'binary' } }, 'video/mp4': { schema: { type: 'string', format: 'binary' } } } },
          416: error('invalid_argument: the range lies past the end of the file (Content-Range: bytes */size)'),
          ...errors(400, 404),
        },
      },
    },
    '/rooms/{room}/messages': {
      post: {
        operationId: 'sendMessage',
        summary: 'Show a system message to everyone in the room',
        description: `${ROOM_ADMIN} Everyone gets \`system_message\`.`,
        'x-confab-grants': ['roomAdmin'],
        parameters: [param('Room')],
        requestBody: body('SystemMessageBody'),
        responses: { 202: { description: 'Sent' }, ...errors(...WITH_BODY, 404) },
      },
    },
  },
  components: {
    securitySchemes: {
      accessToken: {
        type: 'http',
        scheme: 'bearer',
        bearerFormat: 'JWT',
        description: 'An access token (HS256, its API key in iss) with roomList, roomCreate, roomAdmin or roomRecord grants: @confab/server-sdk AccessToken.',
      },
    },
    schemas: componentSchemas(),
    parameters: {
      Room: {
        name: 'room',
        in: 'path',
        required: true,
        description: 'The room name',
        schema: { type: 'string', pattern: ROOM_NAME_PATTERN.source },
      },
      Recording: {
        name: 'recording',
        in: 'path',
        required: true,
        description: 'The recording id (RC_…)',
        schema: { type: 'string', pattern: '^RC_[A-Za-z0-9_-]{1,61}$' },
      },
      File: {
        name: 'file',
        in: 'path',
        required: true,
        description: "A file name from the recording's `files`",
        schema: { type: 'string', pattern: '^[A-Za-z0-9_-][A-Za-z0-9_.-]{0,199}$' },
      },
      Identity: {
        name: 'identity',
        in: 'path',
        required: true,
        description: "The participant's identity (the token's sub), percent-encoded",
        schema: { type: 'string', minLength: 1, maxLength: MAX_IDENTITY_LENGTH },
      },
    },
    responses: {
      InvalidArgument: error('invalid_argument: a path parameter, the query or the body is not what the call takes; the message names the field'),
      Unauthenticated: error('unauthenticated: no bearer token, or it does not verify; the message says why', {
        'WWW-Authenticate': { description: 'Bearer', schema: { type: 'string' } },
      }),
      PermissionDenied: error('permission_denied: the token lacks the grant this call needs, or the server has no API keys'),
      NotFound: error('not_found: no such room, participant, recording or file'),
      Conflict: error('conflict: a room of that name is open already, or the room is recorded already'),
      BodyTooLarge: error(`resource_exhausted: the body is larger than ${MAX_ADMIN_BODY_BYTES} bytes`),
      NotJson: error('invalid_argument: the body is not sent as application/json'),
      RateLimited: error('rate_limited: too many calls with this API key', {
        'Retry-After': { description: 'Seconds to wait', schema: { type: 'integer' } },
      }),
      Unavailable: error("unavailable: the room's node cannot be reached now; try again"),
    },
  },
};

import * as z from 'zod';
import { CreateRoomBody, MAX_BAN_SECONDS, MuteTrackBody, SystemMessageBody, UpdateParticipantBody } from '@confab/protocol';
import { defineRoute, type AdminRoute } from './AdminRoute';
import { FileReply, recordingContentType } from './FileReply';
import { OPENAPI_DOCUMENT } from './openApiDocument';

/** DELETE …/participants/{identity}?banSeconds=N */
const RemoveParticipantQuery = z.object({ banSeconds: z.coerce.number().int().positive().max(MAX_BAN_SECONDS).optional() }).strict();

/** Every call of the admin API, under /api/v1 (docs/api.md); openApiDocument.ts describes the same set. */
export const ADMIN_ROUTES: readonly AdminRoute[] = [
  defineRoute({
    method: 'GET',
    path: '/openapi.json',
    operationId: 'getOpenApiDocument',
    access: 'public',
    status: 200,
    handle: async () => OPENAPI_DOCUMENT,
  }),
  defineRoute({
    method: 'GET',
    path: '/rooms',
    operationId: 'listRooms',
    access: ['roomList'],
    status: 200,
    handle: async ({ administration }) => ({ rooms: await administration.listRooms() }),
  }),
  defineRoute({
    method: 'POST',
    path: '/rooms',
    operationId: 'createRoom',
    access: ['roomCreate'],
    body: CreateRoomBody,
    status: 201,
    handle: async ({ administration, body }) => ({ room: await administration.createRoom(body) }),
  }),
  defineRoute({
    method: 'GET',
    path: '/rooms/{room}',
    operationId: 'getRoom',
    access: ['roomList', 'roomAdmin'],
    status: 200,
    handle: async ({ administration, params }) => ({ room: await administration.getRoom(params.room) }),
  }),
  defineRoute({
    method: 'DELETE',
    path: '/rooms/{room}',
    operationId: 'deleteRoom',
    access: ['roomCreate', 'roomAdmin'],
    status: 204,
    handle: ({ administration, params }) => administration.deleteRoom(params.room),
  }),
  defineRoute({
    method: 'GET',
    path: '/rooms/{room}/participants',
    operationId: 'listParticipants',
    access: ['roomAdmin'],
    status: 200,
    handle: async ({ administration, params }) => ({ participants: await administration.listParticipants(params.room) }),
  }),
  defineRoute({
    method: 'DELETE',
    path: '/rooms/{room}/participants/{identity}',
    operationId: 'removeParticipant',
    access: ['roomAdmin'],
    query: RemoveParticipantQuery,
    status: 204,
    handle: ({ administration, params, query }) => administration.removeParticipant(params.room, params.identity, query.banSeconds),
  }),
  defineRoute({
    method: 'POST',
    path: '/rooms/{room}/participants/{identity}/mute',
    operationId: 'muteTrack',
    access: ['roomAdmin'],
    body: MuteTrackBody,
    status: 200,
    handle: async ({ administration, params, body }) => ({ participant: await administration.muteTrack(params.room, params.identity, body.source) }),
  }),
  defineRoute({
    method: 'PATCH',
    path: '/rooms/{room}/participants/{identity}',
    operationId: 'updatePermissions',
    access: ['roomAdmin'],
    body: UpdateParticipantBody,
    status: 200,
    handle: async ({ administration, params, body }) => ({ participant: await administration.updatePermissions(params.room, params.identity, body.permissions) }),
  }),
  defineRoute({
    method: 'POST',
    path: '/rooms/{room}/recording',
    operationId: 'startRecording',
    access: ['roomRecord', 'roomAdmin'],
    status: 201,
    handle: async ({ administration, params }) => ({ recording: await administration.startRecording(params.room) }),
  }),
  defineRoute({
    method: 'DELETE',
    path: '/rooms/{room}/recording',
    operationId: 'stopRecording',
    access: ['roomRecord', 'roomAdmin'],
    status: 200,
    handle: async ({ administration, params }) => ({ recording: await administration.stopRecording(params.room) }),
  }),
  defineRoute({
    method: 'GET',
    path: '/recordings',
    operationId: 'listRecordings',
    access: ['roomRecord'],
    status: 200,
    handle: async ({ administration }) => ({ recordings: await administration.listRecordings() }),
  }),
  defineRoute({
    method: 'GET',
    path: '/recordings/{recording}/files/{file}',
    operationId: 'downloadRecordingFile',
    access: ['roomRecord'],
    status: 200,
    handle: async ({ administration, params }) => new FileReply(await administration.recordingFile(params.recording, params.file), recordingContentType(params.file)),
  }),
  defineRoute({
    method: 'POST',
    path: '/rooms/{room}/messages',
    operationId: 'sendMessage',
    access: ['roomAdmin'],
    body: SystemMessageBody,
    status: 202,
    handle: ({ administration, params, body }) => administration.sendMessage(params.room, body.text),
  }),
];

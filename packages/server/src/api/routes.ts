import * as z from 'zod';
import { CreateRoomBody, MAX_BAN_SECONDS, MuteTrackBody, SystemMessageBody, UpdateParticipantBody } from '@confab/protocol';
import { defineRoute, type AdminRoute } from './AdminRoute';
import { OPENAPI_DOCUMENT } from './openApiDocument';

/** DELETE …/participants/{identity}?banSeconds=N */
export const RemoveParticipantQuery = z.object({ banSeconds: z.coerce.number().int().positive().max(MAX_BAN_SECONDS).optional() }).strict();

/** Every call of the admin API, under /api/v1 (docs/api.md); openApiDocument.ts describes the same set. */
export const ADMIN_ROUTES: readonly AdminRoute[] = [
  defineRoute({
    method: 'GET',
    path: '/openapi.json',
    operationId: 'getOpenApiDocument',
    access: 'public',
    handle: async () => ({ status: 200, body: OPENAPI_DOCUMENT }),
  }),
  defineRoute({
    method: 'GET',
    path: '/rooms',
    operationId: 'listRooms',
    access: ['roomList'],
    handle: async ({ administration }) => ({ status: 200, body: { rooms: await administration.listRooms() } }),
  }),
  defineRoute({
    method: 'POST',
    path: '/rooms',
    operationId: 'createRoom',
    access: ['roomCreate'],
    body: CreateRoomBody,
    handle: async ({ administration, body }) => ({ status: 201, body: { room: await administration.createRoom(body) } }),
  }),
  defineRoute({
    method: 'GET',
    path: '/rooms/{room}',
    operationId: 'getRoom',
    access: ['roomList', 'roomAdmin'],
    handle: async ({ administration, params }) => ({ status: 200, body: { room: await administration.getRoom(params.room) } }),
  }),
  defineRoute({
    method: 'DELETE',
    path: '/rooms/{room}',
    operationId: 'deleteRoom',
    access: ['roomCreate', 'roomAdmin'],
    handle: async ({ administration, params }) => {
      await administration.deleteRoom(params.room);
      return { status: 204 };
    },
  }),
  defineRoute({
    method: 'GET',
    path: '/rooms/{room}/participants',
    operationId: 'listParticipants',
    access: ['roomAdmin'],
    handle: async ({ administration, params }) => ({ status: 200, body: { participants: await administration.listParticipants(params.room) } }),
  }),
  defineRoute({
    method: 'DELETE',
    path: '/rooms/{room}/participants/{identity}',
    operationId: 'removeParticipant',
    access: ['roomAdmin'],
    query: RemoveParticipantQuery,
    handle: async ({ administration, params, query }) => {
      await administration.removeParticipant(params.room, params.identity, query.banSeconds);
      return { status: 204 };
    },
  }),
  defineRoute({
    method: 'POST',
    path: '/rooms/{room}/participants/{identity}/mute',
    operationId: 'muteTrack',
    access: ['roomAdmin'],
    body: MuteTrackBody,
    handle: async ({ administration, params, body }) => ({
      status: 200,
      body: { participant: await administration.muteTrack(params.room, params.identity, body.source) },
    }),
  }),
  defineRoute({
    method: 'PATCH',
    path: '/rooms/{room}/participants/{identity}',
    operationId: 'updatePermissions',
    access: ['roomAdmin'],
    body: UpdateParticipantBody,
    handle: async ({ administration, params, body }) => ({
      status: 200,
      body: { participant: await administration.updatePermissions(params.room, params.identity, body.permissions) },
    }),
  }),
  defineRoute({
    method: 'POST',
    path: '/rooms/{room}/messages',
    operationId: 'sendMessage',
    access: ['roomAdmin'],
    body: SystemMessageBody,
    handle: async ({ administration, params, body }) => {
      await administration.sendMessage(params.room, body.text);
      return { status: 202 };
    },
  }),
];

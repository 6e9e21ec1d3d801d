import * as z from 'zod';
import {
  AdminErrorBody,
  CreateRoomBody,
  MuteTrackBody,
  ParticipantDetails,
  ParticipantListResponse,
  ParticipantResponse,
  Permissions,
  RecordingListResponse,
  RecordingSummary,
  RoomRecordingResponse,
  RoomRecordingStatus,
  RoomListResponse,
  RoomResponse,
  RoomSummary,
  SystemMessageBody,
  TrackInfo,
  UpdateParticipantBody,
} from '@confab/protocol';
import type { JsonSchema } from './openApiTypes';

/** The bodies of the admin API by their OpenAPI component name: the very schemas the server and AdminClient check with (admin.ts). */
export const OPENAPI_SCHEMAS = {
  RoomSummary,
  ParticipantDetails,
  Permissions,
  TrackInfo,
  RoomListResponse,
  RoomResponse,
  ParticipantListResponse,
  ParticipantResponse,
  RoomRecordingStatus,
  RoomRecordingResponse,
  RecordingSummary,
  RecordingListResponse,
  CreateRoomBody,
  MuteTrackBody,
  UpdateParticipantBody,
  SystemMessageBody,
  AdminErrorBody,
} satisfies Record<string, z.ZodType>;

export type SchemaName = keyof typeof OPENAPI_SCHEMAS;

/**
 * OPENAPI_SCHEMAS as JSON Schema, each referring to the others by `#/components/schemas/<name>`.
 * Generated from admin.ts rather than written out again, so the document cannot drift from what is
 * checked. Input mode: responses are described as a client should read them (more fields may come).
 */
export function componentSchemas(): Record<SchemaName, JsonSchema> {
  const registry = z.registry<{ id: string }>();
  for (const [id, schema] of Object.entries(OPENAPI_SCHEMAS)) registry.add(schema, { id });
  const { schemas } = z.toJSONSchema(registry, { io: 'input', uri: (id) => `#/components/schemas/${id}` });
  // Components are not documents of their own: no $schema, no $id.
  const entries = Object.entries(schemas).map(([id, { $schema: _schema, $id: _id, ...schema }]) => [id, schema]);
  return Object.fromEntries(entries) as Record<SchemaName, JsonSchema>;
}

import * as z from 'zod';
import { CreateRoomBody, MAX_BAN_SECONDS, Permissions, TrackSource } from '@confab/protocol';

/**
 * One admin API call as a value, so that a cluster can carry it to the node hosting the room
 * (checked again on arrival: nodes trust each other no more than the edge trusts a client).
 */
const room = z.string().min(1).max(64);
const identity = z.string().min(1).max(256);
export const AdminOp = z.discriminatedUnion('op', [
  z.object({ op: z.literal('list') }),
  z.object({ op: z.literal('get'), room }),
  z.object({ op: z.literal('create'), body: CreateRoomBody }),
  z.object({ op: z.literal('delete'), room }),
  z.object({ op: z.literal('participants'), room }),
  z.object({ op: z.literal('remove'), room, identity, banSeconds: z.number().int().positive().max(MAX_BAN_SECONDS).optional() }),
  z.object({ op: z.literal('mute'), room, identity, source: TrackSource }),
  z.object({ op: z.literal('permissions'), room, identity, permissions: Permissions.partial() }),
  z.object({ op: z.literal('message'), room, text: z.string().min(1).max(2000) }),
  z.object({ op: z.literal('startRecording'), room }),
  z.object({ op: z.literal('stopRecording'), room }),
  z.object({ op: z.literal('recordings') }),
]);
export type AdminOp = z.infer<typeof AdminOp>;

/** An API-created room waits this long for its first join unless it says otherwise. */
export const DEFAULT_EMPTY_TIMEOUT_SECONDS = 300;

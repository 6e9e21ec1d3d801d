import * as z from 'zod';
import { ParticipantInfo, Permissions, RoomName, ServerMessages, TrackId, WebhookEvent } from '@confab/protocol';

/**
 * A room as it moves from one node to another (drain): everything its participants need to resume
 * on the new node as the same people, with the same tracks, without anyone seeing a leave or a
 * join. Media is not in it: each publisher publishes again on the new node. Plain JSON, checked
 * with this schema wherever it arrives from outside the process.
 */
const TrackSettingsEntry = z.object({
  trackId: TrackId,
  visible: z.boolean(),
  width: z.number().int().nonnegative(),
  height: z.number().int().nonnegative(),
});

const SessionSnapshot = z
  .object({
    resumeToken: z.string().min(1).max(128),
    /** The last sequence number used; the new session numbers on from the next one. */
    seq: z.number().int().nonnegative(),
    /** Messages the client has not acknowledged, oldest first, the last one numbered `seq`: a resume replays them. */
    replay: z.array(z.lazy(() => ServerMessages.union())),
  })
  .refine((s) => s.replay.length <= s.seq, 'replay holds more messages than were ever numbered');

/** What everyone sees of the participant (published tracks wait on the new node to be published again), and their session. */
export const ParticipantSnapshot = ParticipantInfo
  .extend({
    trackSettings: z.array(TrackSettingsEntry),
    /** Requests up to this id were done: resent ones are not done again. */
    lastRequestId: z.number().int().nonnegative(),
    /** Subscriber offers go on numbering from here, so an answer to an old one stays stale. */
    offerRevision: z.number().int().nonnegative(),
    permissions: Permissions,
    hidden: z.boolean(),
    session: SessionSnapshot,
  })
  .refine((p) => new Set(p.tracks.map((t) => t.source)).size === p.tracks.length, 'one track per source');
export type ParticipantSnapshot = z.infer<typeof ParticipantSnapshot>;

export const RoomSnapshot = z
  .object({
    v: z.literal(1),
    room: RoomName,
    /** Milliseconds since the epoch, exporting node's clock (for logs). */
    exportedAt: z.number(),
    participants: z.array(ParticipantSnapshot),
    /** The room's own state: its life (webhooks), access settings, and webhook events not yet delivered. */
    state: z.object({
      sid: z.string().min(1).max(64),
      createdAt: z.number(),
      /** The last webhook sequence number used for this sid. */
      eventSeq: z.number().int().nonnegative(),
      maxParticipants: z.number().int().positive(),
      emptyTimeoutSeconds: z.number().int().nonnegative(),
      locked: z.boolean(),
      lobby: z.boolean(),
      password: z.object({ salt: z.string().max(64), hash: z.string().max(128) }).optional(),
    }),
    webhooks: z.array(WebhookEvent),
  })
  .refine((r) => new Set(r.participants.map((p) => p.id)).size === r.participants.length, 'participant ids must be unique')
  .refine((r) => {
    const ids = r.participants.flatMap((p) => p.tracks.map((t) => t.id));
    return new Set(ids).size === ids.length;
  }, 'track ids must be unique');
export type RoomSnapshot = z.infer<typeof RoomSnapshot>;

export class RoomSnapshotError extends Error {
  override readonly name = 'RoomSnapshotError';
}

/** The wire form of a snapshot (what crosses Redis). */
export function encodeRoomSnapshot(snapshot: RoomSnapshot): string {
  return JSON.stringify(snapshot);
}

/** Parses and checks a snapshot from the wire; throws RoomSnapshotError naming the first bad field. */
export function decodeRoomSnapshot(raw: string): RoomSnapshot {
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    throw new RoomSnapshotError('room snapshot is not valid JSON');
  }
  const result = RoomSnapshot.safeParse(json);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  throw new RoomSnapshotError(`room snapshot: ${issue?.path.join('.') || 'snapshot'}: ${issue?.message ?? 'invalid'}`);
}

import * as z from 'zod';
import { TrackInfo } from './model';

/**
 * Webhooks (docs/webhooks.md): one POST of JSON per event to each CONFAB_WEBHOOK_URLS address,
 * signed with the first API secret. Shared by the server that sends them and @confab/server-sdk
 * whose WebhookReceiver checks them.
 */
export const WEBHOOK_EVENTS = [
  'room_started',
  'room_finished',
  'participant_joined',
  'participant_left',
  'track_published',
  'track_unpublished',
  'participant_banned',
  'recording_started',
  'recording_finished',
  'recording_failed',
] as const;
export const WebhookEventName = z.enum(WEBHOOK_EVENTS);
export type WebhookEventName = z.infer<typeof WebhookEventName>;

/** Header holding `sha256=<hex HMAC-SHA256 of the raw body, keyed with the API secret>`. */
export const WEBHOOK_SIGNATURE_HEADER = 'x-confab-signature';
/** Header naming the API key whose secret signed the body. */
export const WEBHOOK_KEY_HEADER = 'x-confab-key';

export const WebhookParticipant = z.object({
  /** This session's participant id in the room. */
  id: z.string(),
  identity: z.string(),
  name: z.string(),
  metadata: z.string().optional(),
});
export type WebhookParticipant = z.infer<typeof WebhookParticipant>;

/** A recorded track's file, on recording_finished and recording_failed (docs/recording.md). */
export const WebhookRecordingFile = z.object({
  trackId: z.string(),
  participantId: z.string(),
  source: z.enum(['microphone', 'camera', 'screen']),
  /** Absolute path on the node that wrote it; also downloadable via the admin API. */
  path: z.string(),
  /** Where the file starts on the recording's clock, and how long it plays, in ms; null if nothing was written. */
  startMs: z.number().nullable(),
  durationMs: z.number().nullable(),
  /** Why this track's writing stopped early, null if it did not. */
  error: z.string().nullable(),
});
export type WebhookRecordingFile = z.infer<typeof WebhookRecordingFile>;

export const WebhookRecording = z.object({
  id: z.string(),
  /** Absolute path of the recording's folder (manifest.json and the files). */
  dir: z.string(),
  /** Epoch ms. */
  startedAt: z.number(),
  /** recording_finished and recording_failed: epoch ms, and the files written. */
  stoppedAt: z.number().optional(),
  files: z.array(WebhookRecordingFile).optional(),
  /** recording_finished: the one watchable MP4 of the meeting (absent when composites are off). */
  composite: z.object({ path: z.string(), durationMs: z.number(), bytes: z.number().int().nonnegative() }).optional(),
  /** recording_failed: why (writing a track, or making the composite). */
  error: z.string().max(1000).optional(),
});
export type WebhookRecording = z.infer<typeof WebhookRecording>;

export const WebhookEvent = z.object({
  /** Unique per event: a receiver that sees one twice (a retry whose answer was lost) drops it. */
  id: z.string().min(1).max(64),
  event: WebhookEventName,
  room: z.object({
    name: z.string(),
    /** This life of the room: a room emptied and opened again later has a new sid and numbers again from 1. */
    sid: z.string(),
  }),
  /** 1, 2, 3... per room sid, in the order things happened: deliveries keep this order. */
  seq: z.number().int().positive(),
  /** Milliseconds since the epoch, when it happened (the room's node's clock). */
  createdAt: z.number(),
  /** The node that hosted the room. */
  node: z.string(),
  participant: WebhookParticipant.optional(),
  track: TrackInfo.optional(),
  /** participant_left: left | disconnected | kicked | banned | replaced | ended | error; room_finished: empty | ended | deleted | failed. */
  reason: z.string().max(64).optional(),
  /** participant_banned: for how long. */
  banSeconds: z.number().int().nonnegative().optional(),
  /** recording_started, recording_finished, recording_failed. */
  recording: WebhookRecording.optional(),
});
export type WebhookEvent = z.infer<typeof WebhookEvent>;

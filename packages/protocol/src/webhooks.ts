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
});
export type WebhookEvent = z.infer<typeof WebhookEvent>;

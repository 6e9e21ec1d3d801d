import * as z from 'zod';
import { ROOM_NAME_PATTERN } from './limits';
import { TrackSource } from './model';

/**
 * Access tokens (docs/security.md): a JWT, HS256, that an app backend signs with an API secret and
 * hands to one person for one room. This is the claims' shape, shared by the server that checks
 * tokens and by @confab/server-sdk that makes them.
 */
export const MAX_ACCESS_TOKEN_LENGTH = 4096;
export const MAX_IDENTITY_LENGTH = 128;
export const MAX_METADATA_LENGTH = 2048;
export const MAX_ROOM_PASSWORD_LENGTH = 128;
/** Tokens are accepted this long after `exp` and before `nbf`: clocks of app backends drift. */
export const ACCESS_TOKEN_LEEWAY_SECONDS = 60;

/** Identities: what an app backend calls the person (a user id); one seat per identity per room. */
export const Identity = z
  .string()
  .min(1)
  .max(MAX_IDENTITY_LENGTH)
  .refine((s) => !/[\u0000-\u001f\u007f]/.test(s), 'identity must not contain control characters');

/** What the holder may do. Absent booleans mean: join, publish, subscribe, chat yes; the rest no. */
export const AccessGrants = z
  .object({
    /** The one room this token is for; required with roomJoin. */
    room: z.string().regex(ROOM_NAME_PATTERN).optional(),
    roomJoin: z.boolean().optional(),
    canPublish: z.boolean().optional(),
    /** Which sources may be published; absent: all of them. */
    canPublishSources: z.array(TrackSource).max(3).optional(),
    canSubscribe: z.boolean().optional(),
    canChat: z.boolean().optional(),
    /** Moderate the room (and, on the admin API, manage it). */
    roomAdmin: z.boolean().optional(),
    /** In the room but not listed to others: recorders, bots. */
    hidden: z.boolean().optional(),
    /** Admin API: create rooms, list rooms. */
    roomCreate: z.boolean().optional(),
    roomList: z.boolean().optional(),
    /** Admin API: start and stop recordings of any room, list recordings and download their files. */
    roomRecord: z.boolean().optional(),
  })
  .strict();
export type AccessGrants = z.infer<typeof AccessGrants>;

/** The JWT payload. `iss` is the API key whose secret signed it, `sub` the identity. */
export const AccessClaims = z.object({
  iss: z.string().min(1).max(256),
  sub: Identity.optional(),
  name: z.string().max(256).optional(),
  /** Seconds since the epoch, as JWT has them. */
  exp: z.number(),
  nbf: z.number().optional(),
  iat: z.number().optional(),
  jti: z.string().max(256).optional(),
  /** Opaque to Confab: handed to the other participants and to webhooks as it is. */
  metadata: z.string().max(MAX_METADATA_LENGTH).optional(),
  grants: AccessGrants,
});
export type AccessClaims = z.infer<typeof AccessClaims>;

/** What a participant may do in a room, as the room applies it (from the grants, or open mode's defaults). */
export const Permissions = z.object({
  canPublish: z.boolean(),
  canPublishSources: z.array(TrackSource),
  canSubscribe: z.boolean(),
  canChat: z.boolean(),
  /** May moderate: the host in open mode, roomAdmin holders and those a moderator promoted. */
  moderator: z.boolean(),
});
export type Permissions = z.infer<typeof Permissions>;

/** Why a join or resume was refused, for programs; the error's message is for people. */
export const RefusalReason = z.enum([
  // token problems (code unauthenticated)
  'token_missing',
  'token_malformed',
  'token_too_large',
  'token_algorithm',
  'token_unknown_key',
  'token_bad_signature',
  'token_expired',
  'token_not_yet_valid',
  // token fine, but not for this (code permission_denied)
  'token_wrong_room',
  'token_no_join',
  'token_wrong_identity',
  'banned',
  'room_locked',
  'password_required',
  'password_wrong',
  'lobby_denied',
]);
export type RefusalReason = z.infer<typeof RefusalReason>;

/** Protocol version carried by `join`; bumped on any incompatible change. */
export const PROTOCOL_VERSION = 1;

export const MAX_ROOM_NAME_LENGTH = 64;
/** Room names: 1-64 letters, digits, `-`, `_`, `.` (DESIGN.md contract). */
export const ROOM_NAME_PATTERN = new RegExp(`^[A-Za-z0-9._-]{1,${MAX_ROOM_NAME_LENGTH}}$`);
export const MAX_DISPLAY_NAME_LENGTH = 64;
export const MAX_CHAT_LENGTH = 2000;
/** SDP with many m-lines runs to tens of KB; anything past this is abuse. */
export const MAX_MESSAGE_BYTES = 256 * 1024;
/**
 * What a client takes from the server. `joined` lists everyone in the room, ~220 bytes each: past
 * ~1,150 people it outgrew MAX_MESSAGE_BYTES, and every client's join went unanswered. A room at
 * the admin API's 10,000 participants needs ~2.2 MB.
 */
export const MAX_SERVER_MESSAGE_BYTES = 8 * 1024 * 1024;
export const MAX_SDP_LENGTH = 200_000;
export const MAX_CANDIDATE_LENGTH = 1024;
/** The longest ban a moderator or the admin API can give: 30 days. */
export const MAX_BAN_SECONDS = 30 * 24 * 3600;

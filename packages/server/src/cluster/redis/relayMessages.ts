import { ERROR_CODES, ParticipantId, RefusalReason, RoomName } from '@confab/protocol';
import { z } from 'zod';

/**
 * What nodes tell each other over pub/sub. The edge is the node holding a participant's socket,
 * the owner the node hosting its room; a `link` is one socket's relayed session, named by the edge.
 * Protocol messages travel as their wire JSON and are decoded again (decodeClientMessage /
 * decodeServerMessage) on arrival: nodes trust each other no more than the edge trusts a client.
 * One frame carries every item a node had for one other node within one turn of its event loop.
 */
const link = z.string().regex(/^[A-Za-z0-9_.#-]{1,120}$/);
const call = z.number().int().nonnegative();
const wire = z.string().max(1_100_000);

/** Edge → owner. */
const connect = z.object({ kind: z.literal('connect'), link, request: wire });
const command = z.object({ kind: z.literal('command'), link, call, command: wire });
const ack = z.object({ kind: z.literal('ack'), link, seq: z.number().int().nonnegative() });
/** The socket closed: `close` (a goodbye: the participant leaves) or `detach` (lost: it waits for a resume). */
const leave = z.object({ kind: z.literal('leave'), link, call, how: z.enum(['close', 'detach']) });
/** The edge has no socket for this link (it was restarted, or the socket is gone): detach it. */
const gone = z.object({ kind: z.literal('gone'), link });

/** Owner → edge. */
const admitted = z.object({ kind: z.literal('admitted'), link, participantId: z.string().min(1).max(64), room: z.string().min(1).max(64) });
/** Not admitted: `retry` when the room is not (or no longer) this node's, so the edge places it again. */
const refused = z.object({ kind: z.literal('refused'), link, code: z.enum(ERROR_CODES as [string, ...string[]]), message: z.string().max(500), retry: z.boolean(), reason: RefusalReason.optional() });
/** One socket a server message is for: its sequence number there (sequenced messages), and `n`. */
const target = z.object({ link, seq: z.number().int().positive().optional(), n: z.number().int().positive().optional() });
/** A message item names at most this many sockets (a room's broadcast to more takes several items). */
export const MESSAGE_MAX_LINKS = 1_000;
/**
 * A server message, once, for one or more sockets on the edge (a room's broadcast names all of that
 * node's members): `data` is its wire JSON without `seq`, which each socket has its own of. `n`
 * numbers, per link, the messages that matter (all but snapshots like connection_quality, which the
 * next one replaces), so the edge notices one lost.
 */
const message = z.object({ kind: z.literal('message'), data: wire, to: z.array(target).min(1).max(MESSAGE_MAX_LINKS) });
const supersede = z.object({ kind: z.literal('supersede'), link });
/** The room is done with the socket: `failed` (the client joins again), `moved` (it resumes at the room's new node) or `removed` (it may not come back). */
const end = z.object({ kind: z.literal('end'), link, reason: z.enum(['failed', 'moved', 'removed']) });
const result = z.object({ kind: z.literal('result'), link, call, handled: z.boolean() });
/** The owner has no session for this link: the edge ends the socket, and the client resumes. */
const unknown = z.object({ kind: z.literal('unknown'), link });

/**
 * Drain: a room hands itself over to another node (its snapshot's wire form, checked there with
 * decodeRoomSnapshot; well under Redis's 32 MB pub/sub output limit), and the answer.
 */
const adopt = z.object({ kind: z.literal('adopt'), call, lease: z.string().min(3).max(200), snapshot: z.string().max(16_000_000) });
const adopted = z.object({ kind: z.literal('adopted'), call, ok: z.boolean(), message: z.string().max(500) });
/** After the release: who left the room for good while it moved (the snapshot still had them), so the new owner removes them at once. */
const departed = z.object({ kind: z.literal('departed'), room: RoomName, participants: z.array(ParticipantId).min(1).max(10_000) });

/** The admin API: a call (an AdminOp's JSON) carried to the node hosting the room, or to every node for a list, and its answer. */
const adminCall = z.object({ kind: z.literal('admin_call'), call, op: wire });
const adminReply = z.object({
  kind: z.literal('admin_reply'),
  call,
  ok: z.boolean(),
  result: wire.optional(),
  code: z.enum(ERROR_CODES as [string, ...string[]]).optional(),
  message: z.string().max(500).optional(),
});

export const relayItem = z.discriminatedUnion('kind', [connect, command, ack, leave, gone, admitted, refused, message, supersede, end, result, unknown, adopt, adopted, departed, adminCall, adminReply]);
export type RelayItem = z.infer<typeof relayItem>;
export type RelayItemOf<K extends RelayItem['kind']> = Extract<RelayItem, { kind: K }>;
export type RelayTarget = z.infer<typeof target>;

export const relayFrame = z.object({
  /** The sending node's instance (`<node id>#<boot tag>`): replies go to its node's channel. */
  from: z.string().regex(/^[A-Za-z0-9_.-]{1,64}#[0-9a-f]{8}$/),
  items: z.array(relayItem).min(1).max(10_000),
});
export type RelayFrame = z.infer<typeof relayFrame>;

import type { RoomName } from '@confab/protocol';
import type { NodeId } from './nodeIds';

/**
 * Every Redis key and channel Confab uses, in one place. One Redis serves one cluster; nothing else
 * should write under `confab:`.
 */
const KEY_PREFIX = 'confab:';

/** A hash per node (instance, url, state, load), with an expiry its node keeps pushing back. */
export const NODE_KEY_PREFIX = `${KEY_PREFIX}node:`;
export const nodeKey = (id: NodeId): string => `${NODE_KEY_PREFIX}${id}`;
/**
 * Rooms placed on a node by another node and not yet taken up there (a sorted set: room → placement
 * time). Placement counts them as that node's load until its own count includes them.
 */
export const PENDING_KEY_PREFIX = `${KEY_PREFIX}pending:`;
export const pendingKey = (id: NodeId): string => `${PENDING_KEY_PREFIX}${id}`;
/** The ids of registered nodes, for listing; ids whose hash expired are removed as they are found. */
export const NODES_KEY = `${KEY_PREFIX}nodes`;
/** A room's lease: `<owner instance>|<epoch>`, with a PX expiry the owner keeps renewing. */
export const roomKey = (room: RoomName): string => `${KEY_PREFIX}room:${room}`;
/** Counter for lease epochs: every new ownership of a room gets a fresh one. */
export const EPOCH_KEY = `${KEY_PREFIX}epoch`;
/**
 * Redis time (ms) of the last script run. Missing: Redis lost its data; far behind: Redis stalled.
 * Either way `RECOVERING_KEY` holds new placements back for a lease period (see scripts.ts).
 */
export const CLOCK_KEY = `${KEY_PREFIX}clock`;
export const RECOVERING_KEY = `${KEY_PREFIX}recovering`;
/** The pub/sub channel a node listens on for relayed signaling. */
export const relayChannel = (id: NodeId): string => `${KEY_PREFIX}relay:${id}`;
/** A ban of one identity from one room (docs/security.md), expiring with it. Identities may hold any character, hence the encoding. */
export const banKey = (room: string, identity: string): string => `${KEY_PREFIX}ban:${room}:${Buffer.from(identity).toString('base64url')}`;

import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';

/**
 * The cluster's decisions, each one Lua script so Redis runs it atomically. Every script starts
 * with the same health step (keys 1-2, args 1-3, see HealthArgs): it notices when Redis lost its
 * data (the clock key is gone although this node saw it before) or stalled (the clock is far
 * behind), and then sets the recovering key for a lease period. While it exists no room is placed
 * anew, so the owners that kept their rooms through the outage can reclaim their leases first.
 * Every script answers `{recovering, ...}`.
 *
 * Node keys are built inside the scripts from a prefix: one Redis, not Redis Cluster.
 */
const HEALTH = `
local function nodeOf(instance) return string.match(instance, '^(.*)#[^#]*$') end
local function holderOf(lease) return string.match(lease, '^(.*)|[^|]*$') end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local last = redis.call('GET', KEYS[1])
if (not last and ARGV[1] == '1') or (last and now - tonumber(last) > tonumber(ARGV[2])) then
  redis.call('SET', KEYS[2], '1', 'PX', ARGV[3])
end
redis.call('SET', KEYS[1], now)
local recovering = redis.call('EXISTS', KEYS[2])
`;

/**
 * Keys 3 node hash, 4 node set; args 4 id, 5 instance, 6 ttl ms, 7... field/value pairs.
 * Answers `taken, <instance>` when another live instance holds this node id.
 */
const REGISTER = `${HEALTH}
local holder = redis.call('HGET', KEYS[3], 'instance')
if holder and holder ~= ARGV[5] then return {recovering, 'taken', holder} end
redis.call('HSET', KEYS[3], unpack(ARGV, 7))
redis.call('PEXPIRE', KEYS[3], ARGV[6])
redis.call('SADD', KEYS[4], ARGV[4])
return {recovering, 'ok'}
`;

/** Keys 3 node hash, 4 node set; args 4 id, 5 instance: a clean stop takes the entry out at once. */
const DEREGISTER = `${HEALTH}
if redis.call('HGET', KEYS[3], 'instance') == ARGV[5] then redis.call('DEL', KEYS[3]) end
redis.call('SREM', KEYS[4], ARGV[4])
return {recovering}
`;

/**
 * Where a room lives. Keys 3 room lease, 4 node set, 5 epoch counter; args 4 node key prefix,
 * 5 mode (join | resume | pick), 6 the asking instance, 7 lease ms, 8 an instance to leave out,
 * 9 pending key prefix, 10 the room's name.
 * - A lease exists: `owner, <lease>, <1 if its holder is registered>`.
 * - resume without a lease: `none`. Recovering: `wait`.
 * - Otherwise the least-loaded serving node (rooms + rooms pending there + participants; ties go
 *   to the asking node) gets the lease: `placed, <lease>`; `pick` only chooses (drain targets). No
 *   node: `nonode`, or `full` when every serving node is at its room limit.
 * So that placements before the chosen node's next refresh spread out, a room placed on the asking
 * node raises its room count at once (the node counts rooms it is opening in its refreshes, see
 * NodeRegistry), and one placed on another node counts as pending there until that node takes it
 * up (CLAIM, MOVE) or a lease period passes.
 */
const PLACE = `${HEALTH}
local prefix = ARGV[4]
if ARGV[5] ~= 'pick' then
  local lease = redis.call('GET', KEYS[3])
  if lease then
    local holder = holderOf(lease)
    local alive = redis.call('HGET', prefix .. nodeOf(holder), 'instance') == holder
    return {recovering, 'owner', lease, alive and 1 or 0}
  end
  if ARGV[5] == 'resume' then return {recovering, 'none'} end
  if recovering == 1 then return {recovering, 'wait'} end
end
local best, bestScore, bestId, full = nil, nil, nil, false
for _, id in ipairs(redis.call('SMEMBERS', KEYS[4])) do
  local h = redis.call('HMGET', prefix .. id, 'instance', 'state', 'rooms', 'participants', 'maxRooms')
  if not h[1] then
    redis.call('SREM', KEYS[4], id)
  elseif h[2] == 'serving' and h[1] ~= ARGV[8] then
    local rooms = (tonumber(h[3]) or 0) + redis.call('ZCOUNT', ARGV[9] .. id, now - tonumber(ARGV[7]), '+inf')
    if rooms >= (tonumber(h[5]) or math.huge) then
      full = true
    else
      local score = rooms + (tonumber(h[4]) or 0)
      if not best or score < bestScore or (score == bestScore and (h[1] == ARGV[6] or (best ~= ARGV[6] and id < bestId))) then
        best, bestScore, bestId = h[1], score, id
      end
    end
  end
end
if not best then return {recovering, full and 'full' or 'nonode'} end
if best == ARGV[6] then
  redis.call('HINCRBY', prefix .. bestId, 'rooms', 1)
else
  redis.call('ZADD', ARGV[9] .. bestId, now, ARGV[10])
  redis.call('PEXPIRE', ARGV[9] .. bestId, 2 * tonumber(ARGV[7]))
end
if ARGV[5] == 'pick' then return {recovering, 'picked', best} end
local lease = best .. '|' .. redis.call('INCR', KEYS[5])
redis.call('SET', KEYS[3], lease, 'PX', ARGV[7])
return {recovering, 'placed', lease}
`;

/**
 * The node placement chose takes up its room. Keys 3 room lease, 4 epoch counter, 5 our pending
 * set, 6 our node hash; args 4 instance, 5 lease ms, 6 the room's name. `ok, <lease>` if the lease
 * is ours (renewed) or free (taken, unless recovering: `wait`); `other, <lease>` if another node
 * holds it. A room pending here now counts among our rooms, until our next refresh says so itself.
 */
const CLAIM = `${HEALTH}
if redis.call('ZREM', KEYS[5], ARGV[6]) == 1 then redis.call('HINCRBY', KEYS[6], 'rooms', 1) end
local lease = redis.call('GET', KEYS[3])
if lease then
  if holderOf(lease) == ARGV[4] then
    redis.call('PEXPIRE', KEYS[3], ARGV[5])
    return {recovering, 'ok', lease}
  end
  return {recovering, 'other', lease}
end
if recovering == 1 then return {recovering, 'wait'} end
lease = ARGV[4] .. '|' .. redis.call('INCR', KEYS[4])
redis.call('SET', KEYS[3], lease, 'PX', ARGV[5])
return {recovering, 'ok', lease}
`;

/**
 * Compare-and-renew for all of a node's rooms at once. Keys 3... room leases; args 4 lease ms,
 * 5... the lease each should hold. Per room: `ok`; `reclaimed` (it had expired, nobody took it:
 * Redis came back from an outage); `lost` (another node holds it).
 */
const RENEW = `${HEALTH}
local out = {recovering}
for i = 3, #KEYS do
  local want = ARGV[i + 2]
  local lease = redis.call('GET', KEYS[i])
  if lease == want then
    redis.call('PEXPIRE', KEYS[i], ARGV[4])
    out[#out + 1] = 'ok'
  elseif not lease then
    redis.call('SET', KEYS[i], want, 'PX', ARGV[4])
    out[#out + 1] = 'reclaimed'
  else
    out[#out + 1] = 'lost'
  end
end
return out
`;

/**
 * A room moves to another node (drain), run by that node: keys 3 room lease, 4 epoch counter, 5 its
 * pending set, 6 its node hash; args 4 the lease the mover holds, 5 the new holder's instance,
 * 6 lease ms, 7 the room's name. `ok, <new lease>` or `lost, <lease>`. As in CLAIM, a pending room
 * turns into a counted one.
 */
const MOVE = `${HEALTH}
if redis.call('ZREM', KEYS[5], ARGV[7]) == 1 then redis.call('HINCRBY', KEYS[6], 'rooms', 1) end
local lease = redis.call('GET', KEYS[3])
if lease ~= ARGV[4] then return {recovering, 'lost', lease or ''} end
lease = ARGV[5] .. '|' .. redis.call('INCR', KEYS[4])
redis.call('SET', KEYS[3], lease, 'PX', ARGV[6])
return {recovering, 'ok', lease}
`;

/** Rooms that closed: keys 3... room leases; args 4... the leases we hold. Deleted only if still ours. */
const RELEASE = `${HEALTH}
for i = 3, #KEYS do
  if redis.call('GET', KEYS[i]) == ARGV[i + 1] then redis.call('DEL', KEYS[i]) end
end
return {recovering}
`;

/** Which of these instances are registered: args 4 node key prefix, 5... instances; 1 or 0 each. */
const ALIVE = `${HEALTH}
local out = {recovering}
for i = 5, #ARGV do
  out[#out + 1] = redis.call('HGET', ARGV[4] .. nodeOf(ARGV[i]), 'instance') == ARGV[i] and 1 or 0
end
return out
`;

/** The health step's arguments: whether this node has seen the cluster clock, the stall threshold, the recovery period. */
export interface HealthArgs {
  seenClock: boolean;
  stallMs: number;
  recoveryMs: number;
}

/** A script run by SHA; after a Redis restart emptied the script cache it is sent in full once. */
export class LuaScript {
  readonly sha: string;

  constructor(private readonly source: string) {
    this.sha = createHash('sha1').update(source).digest('hex');
  }

  async run(redis: Redis, keys: string[], args: (string | number)[]): Promise<unknown[]> {
    try {
      return (await redis.evalsha(this.sha, keys.length, ...keys, ...args)) as unknown[];
    } catch (error) {
      if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
      return (await redis.eval(this.source, keys.length, ...keys, ...args)) as unknown[];
    }
  }
}

export const scripts = {
  register: new LuaScript(REGISTER),
  deregister: new LuaScript(DEREGISTER),
  place: new LuaScript(PLACE),
  claim: new LuaScript(CLAIM),
  renew: new LuaScript(RENEW),
  move: new LuaScript(MOVE),
  release: new LuaScript(RELEASE),
  alive: new LuaScript(ALIVE),
};

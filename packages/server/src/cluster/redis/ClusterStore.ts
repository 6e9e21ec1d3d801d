import type { RoomName } from '@confab/protocol';
import type { Redis } from 'ioredis';
import { CLOCK_KEY, EPOCH_KEY, NODE_KEY_PREFIX, NODES_KEY, nodeKey, PENDING_KEY_PREFIX, pendingKey, RECOVERING_KEY, roomKey } from './keys';
import type { NodeId, NodeInstance } from './nodeIds';
import type { RedisHealth } from './RedisHealth';
import { scripts, type LuaScript } from './scripts';
import { stallThresholdMs, type ClusterTimings } from './timings';

/** What PLACE answered (see scripts.ts). */
export type Placement =
  | { kind: 'owner'; lease: string; alive: boolean }
  | { kind: 'placed'; lease: string }
  | { kind: 'none' | 'wait' | 'nonode' | 'full' };

export type Claim = { kind: 'ok'; lease: string } | { kind: 'other'; lease: string } | { kind: 'wait' };
export type Renewal = 'ok' | 'reclaimed' | 'lost';

/** This node's registry entry. */
export interface NodeEntry {
  url: string;
  state: 'serving' | 'draining';
  rooms: number;
  participants: number;
  /** Media CPU, cores in use (summed over media workers), over the last refresh period. */
  cpu: number;
  maxRooms: number;
}

/**
 * The cluster's shared state in Redis, as typed calls. Every call reports to RedisHealth whether
 * Redis answered, and remembers whether Redis is recovering from an outage (scripts.ts).
 * Lease renewals have a connection of their own: on the shared one they would queue behind
 * relay frames of up to a megabyte, and a late renewal closes rooms.
 */
export class ClusterStore {
  /** Set once a script has run: from then on a missing clock means Redis lost its data. */
  private seenClock = false;
  private recoveringUntil = 0;

  constructor(
    readonly redis: Redis,
    private readonly renewals: Redis,
    readonly id: NodeId,
    readonly instance: NodeInstance,
    private readonly timings: ClusterTimings,
    private readonly health: RedisHealth,
  ) {}

  /** True while Redis holds placements back after an outage. */
  get recovering(): boolean {
    return Date.now() < this.recoveringUntil;
  }

  /** `taken` with the other instance when a live node already uses our id. */
  async register(entry: NodeEntry): Promise<{ taken: NodeInstance } | undefined> {
    const fields = Object.entries({ instance: this.instance, ...entry }).flatMap(([k, v]) => [k, String(v)]);
    const [status, holder] = await this.run(scripts.register, [nodeKey(this.id), NODES_KEY], [this.id, this.instance, this.timings.nodeTtlMs, ...fields]);
    return status === 'taken' ? { taken: holder as NodeInstance } : undefined;
  }

  async deregister(): Promise<void> {
    await this.run(scripts.deregister, [nodeKey(this.id), NODES_KEY], [this.id, this.instance]);
  }

  /** Where `room` lives; a join places it when nobody holds it, a resume never does. */
  async place(room: RoomName, mode: 'join' | 'resume'): Promise<Placement> {
    const [kind, lease, alive] = await this.run(scripts.place, [roomKey(room), NODES_KEY, EPOCH_KEY], [NODE_KEY_PREFIX, mode, this.instance, this.timings.leaseMs, '', PENDING_KEY_PREFIX, room]);
    if (kind === 'owner') return { kind, lease: String(lease), alive: alive === 1 };
    if (kind === 'placed') return { kind, lease: String(lease) };
    return { kind: kind as 'none' | 'wait' | 'nonode' | 'full' };
  }

  /** The least-loaded serving node other than this one, for `room` leaving it. */
  async pickTarget(room: RoomName): Promise<NodeInstance | undefined> {
    // `pick` reads no room lease (key 3 stays empty): it only chooses.
    const [kind, instance] = await this.run(scripts.place, ['', NODES_KEY, EPOCH_KEY], [NODE_KEY_PREFIX, 'pick', this.instance, this.timings.leaseMs, this.instance, PENDING_KEY_PREFIX, room]);
    return kind === 'picked' ? (instance as NodeInstance) : undefined;
  }

  async claim(room: RoomName): Promise<Claim> {
    const [kind, lease] = await this.run(scripts.claim, [roomKey(room), EPOCH_KEY, pendingKey(this.id), nodeKey(this.id)], [this.instance, this.timings.leaseMs, room]);
    if (kind === 'wait') return { kind };
    return { kind: kind as 'ok' | 'other', lease: String(lease) };
  }

  async renew(leases: readonly (readonly [RoomName, string])[]): Promise<Renewal[]> {
    if (leases.length === 0) return [];
    const keys = leases.map(([room]) => roomKey(room));
    return (await this.run(scripts.renew, keys, [this.timings.leaseMs, ...leases.map(([, lease]) => lease)], this.renewals)) as Renewal[];
  }

  /** Takes `room`'s lease over from the node draining it, which holds it as `lease`: ours, or undefined if it lost it. */
  async takeOver(room: RoomName, lease: string): Promise<string | undefined> {
    const [kind, next] = await this.run(scripts.move, [roomKey(room), EPOCH_KEY, pendingKey(this.id), nodeKey(this.id)], [lease, this.instance, this.timings.leaseMs, room]);
    return kind === 'ok' ? String(next) : undefined;
  }

  async release(leases: readonly (readonly [RoomName, string])[]): Promise<void> {
    if (leases.length === 0) return;
    await this.run(scripts.release, leases.map(([room]) => roomKey(room)), leases.map(([, lease]) => lease));
  }

  /**
   * Which of `instances` are registered. Undefined while Redis recovers from an outage: nodes are
   * re-registering then, and a missing entry proves nothing.
   */
  async alive(instances: readonly NodeInstance[]): Promise<Map<NodeInstance, boolean> | undefined> {
    const flags = await this.run(scripts.alive, [], [NODE_KEY_PREFIX, ...instances]);
    if (this.recovering) return undefined;
    return new Map(instances.map((instance, i) => [instance, flags[i] === 1]));
  }

  /** Every registered node's current instance (for calls that go to all of them, like the admin API's room list). */
  async liveInstances(): Promise<NodeInstance[]> {
    const ids = await this.call(() => this.redis.smembers(NODES_KEY));
    const instances = await Promise.all(ids.map((id) => this.call(() => this.redis.hget(nodeKey(id as NodeId), 'instance'))));
    return instances.filter((instance): instance is NodeInstance => typeof instance === 'string' && instance.length > 0);
  }

  /** Publishes on a node's channel; how many listened (0: that node is not subscribed). */
  async publish(channel: string, payload: string): Promise<number> {
    return this.call(() => this.redis.publish(channel, payload));
  }

  private async run(script: LuaScript, keys: string[], args: (string | number)[], connection = this.redis): Promise<unknown[]> {
    const health = [this.seenClock ? '1' : '0', stallThresholdMs(this.timings), this.timings.leaseMs];
    const reply = await this.call(() => script.run(connection, [CLOCK_KEY, RECOVERING_KEY, ...keys], [...health, ...args]));
    this.seenClock = true;
    // Remembered for a lease period: a later script may run before the key expires, or after.
    if (reply[0] === 1) this.recoveringUntil = Date.now() + this.timings.leaseMs;
    return reply.slice(1);
  }

  private async call<T>(command: () => Promise<T>): Promise<T> {
    try {
      const result = await command();
      this.health.succeeded();
      return result;
    } catch (error) {
      this.health.troubled();
      throw error;
    }
  }
}

import { setTimeout as sleep } from 'node:timers/promises';
import type { MediaEngine } from '../../media/types';
import type { Logger } from '../../service/logger';
import type { LocalDirectory } from '../LocalDirectory';
import type { ClusterStore, NodeEntry } from './ClusterStore';
import type { NodeInstance } from './nodeIds';
import type { RedisHealth } from './RedisHealth';
import { RedisStartupError } from './redisConnection';
import type { ClusterTimings } from './timings';

export interface PeerWatch {
  /** Instances this node depends on: owners of relayed sockets, edges of hosted sessions. */
  peers(): Set<NodeInstance>;
  /** A peer's registry entry is gone: it died, or is cut off (and so closes its rooms itself). */
  peerDied(instance: NodeInstance): void;
  /** This node's own entry has expired in everyone else's eyes: they treat us as dead. */
  selfExpired(): void;
}

/**
 * This node's entry in the registry: address, state and load, refreshed every refreshMs with an
 * expiry of nodeTtlMs, so a node that dies or is cut off drops out by itself. The same tick checks
 * whether the nodes we relay to or host for are still registered.
 */
export class NodeRegistry {
  private state: NodeEntry['state'] = 'serving';
  private ticker: NodeJS.Timeout | undefined;
  private url = '';
  private lastRefreshed = 0;
  private ticking = false;
  private cpu = { seconds: 0, at: 0 };
  /** Our entry expired while we could not refresh it: the others count us dead until we register again. */
  expired = false;

  constructor(
    private readonly store: ClusterStore,
    private readonly health: RedisHealth,
    private readonly rooms: LocalDirectory,
    private readonly media: MediaEngine,
    private readonly maxRooms: number,
    /** Rooms this node is placing or claiming right now: not open yet, but placement counted them (scripts.ts PLACE). */
    private readonly opening: () => number,
    private readonly timings: ClusterTimings,
    private readonly watch: PeerWatch,
    private readonly logger: Logger,
  ) {}

  /**
   * Registers and starts refreshing. Another live node with our id is waited out for one expiry
   * (it may be our own previous run, killed a moment ago); after that start-up stops.
   */
  async start(url: string): Promise<void> {
    this.url = url;
    const giveUpAt = Date.now() + this.timings.nodeTtlMs + this.timings.refreshMs;
    for (;;) {
      const clash = await this.store.register(this.entry());
      if (!clash) break;
      if (Date.now() > giveUpAt) {
        throw new RedisStartupError(`another node is registered with CONFAB_NODE_ID=${this.store.id} (${clash.taken}); give each node its own id`);
      }
      await sleep(this.timings.refreshMs);
    }
    this.lastRefreshed = Date.now();
    this.logger.info({ url, instance: this.store.instance }, 'registered in the cluster');
    this.ticker = setInterval(() => void this.tick(), this.timings.refreshMs);
    this.ticker.unref();
  }

  /** From now on placement sends no new rooms here; the registry says so at once. */
  async drain(): Promise<void> {
    this.state = 'draining';
    await this.store.register(this.entry()).catch(() => undefined);
  }

  /** Redis is reachable again (reconnected): register now rather than at the next tick. */
  refreshSoon(): void {
    if (this.ticker) void this.tick();
  }

  async stop(): Promise<void> {
    clearInterval(this.ticker);
    await this.store.deregister().catch(() => undefined);
  }

  private async tick(): Promise<void> {
    if (this.ticking) return;
    this.ticking = true;
    const sentAt = Date.now();
    try {
      const clash = await this.store.register(this.entry());
      if (clash) this.logger.error({ other: clash.taken }, `another node registered with CONFAB_NODE_ID=${this.store.id}; give each node its own id`);
      this.lastRefreshed = sentAt;
      if (this.expired) this.logger.info({}, 'registered in the cluster again');
      this.expired = false;
      await this.checkPeers();
    } catch {
      // Others drop us once our entry expires: act as they will, unless Redis is out for everyone.
      if (sentAt - this.lastRefreshed > this.timings.nodeTtlMs && !this.health.outageForEveryone()) {
        this.expired = true;
        this.watch.selfExpired();
      }
    } finally {
      this.ticking = false;
    }
  }

  private async checkPeers(): Promise<void> {
    const peers = [...this.watch.peers()];
    if (peers.length === 0) return;
    const alive = await this.store.alive(peers);
    if (!alive) return; // Redis is recovering from an outage: entries are being re-made
    for (const [instance, isAlive] of alive) if (!isAlive) this.watch.peerDied(instance);
  }

  private entry(): NodeEntry {
    let participants = 0;
    for (const room of this.rooms.rooms()) participants += room.size;
    return { url: this.url, state: this.state, rooms: this.rooms.roomCount + this.opening(), participants, cpu: this.mediaCpu(), maxRooms: this.maxRooms };
  }

  /** Cores the media workers used since the last refresh (0 when media runs in the main thread). */
  private mediaCpu(): number {
    const now = performance.now();
    const seconds = (this.media.stats().workers ?? []).reduce((sum, w) => sum + w.cpuSeconds, 0);
    const used = this.cpu.at > 0 && now > this.cpu.at ? (seconds - this.cpu.seconds) / ((now - this.cpu.at) / 1000) : 0;
    this.cpu = { seconds, at: now };
    return Math.round(Math.max(0, used) * 100) / 100;
  }
}

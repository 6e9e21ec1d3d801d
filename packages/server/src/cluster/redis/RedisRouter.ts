import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { ProtocolError, type RoomName } from '@confab/protocol';
import type { Redis } from 'ioredis';
import type { MediaEngine } from '../../media/types';
import type { BanList } from '../../rooms/Admission';
import type { SessionLink } from '../../rooms/ParticipantSession';
import type { Room } from '../../rooms/Room';
import type { JoinRequest, ResumeRequest } from '../../rooms/requests';
import type { Logger } from '../../service/logger';
import { ClusterMetrics } from '../../service/metrics';
import type { LocalDirectory } from '../LocalDirectory';
import { LocalSession } from '../LocalSession';
import type { ListeningAddress, RoomRouter, RoutedSession } from '../RoomRouter';
import { ClusterStore } from './ClusterStore';
import { LeaseKeeper, type LossReason } from './LeaseKeeper';
import { leaseHolder, newInstance, type NodeId, type NodeInstance } from './nodeIds';
import { NodeRegistry } from './NodeRegistry';
import { RelayBus } from './RelayBus';
import { RelayEdge, RETRY } from './RelayEdge';
import { NotOwnerError, RelayHost } from './RelayHost';
import type { RelayItem } from './relayMessages';
import { openRedis, redisAddress, waitForRedis } from './redisConnection';
import { RedisBans } from './RedisBans';
import { RedisHealth } from './RedisHealth';
import { RoomMover } from './RoomMover';
import { AdminRelay } from './AdminRelay';
import { ClusterAdministration } from './ClusterAdministration';
import { LocalAdministration } from '../LocalAdministration';
import type { AdminOp } from '../adminOps';
import { clusterTimings, type ClusterTimings } from './timings';

export interface ClusterSettings {
  /** CONFAB_REDIS_URL */
  redisUrl: string;
  /** CONFAB_NODE_ID */
  nodeId: string;
  /** CONFAB_NODE_URL; default http(s)://<host>:<port> once listening. */
  nodeUrl: string | undefined;
  /** CONFAB_HOST, for the default node URL. */
  host: string;
  /** Rooms this node takes at most (CONFAB_MAX_ROOMS): placement skips a full node. */
  maxRooms: number;
  /** Shorter in tests. */
  timings?: Partial<ClusterTimings>;
}

/** How often a join waiting for a lease (an owner died, Redis recovering) asks again. */
const PLACE_RETRY_MS = 200;

/**
 * The cluster's router: any node takes any socket. A room lives on the node holding its lease in
 * Redis; placement (one script) gives a new room to the least-loaded serving node. Sockets whose
 * room is here talk to it directly (LocalSession, no Redis hop); the others are relayed over
 * pub/sub to the owner (RelayEdge here, RelayHost there). See docs/cluster-redis.md.
 */
export class RedisRouter implements RoomRouter {
  private readonly health: RedisHealth;
  private readonly store: ClusterStore;
  private readonly bus: RelayBus;
  private readonly edge: RelayEdge;
  private readonly host: RelayHost;
  private readonly leases: LeaseKeeper;
  private readonly registry: NodeRegistry;
  private readonly mover: RoomMover;
  private readonly timings: ClusterTimings;
  private readonly claims = new Map<RoomName, Promise<boolean>>();
  /** Placements and claims in flight: a refresh sent meanwhile must count the room they may open. */
  private opening = 0;
  private draining: Promise<boolean> | undefined;
  /** Placement, relay and lease metrics, served at /metrics with the node's others. */
  readonly clusterMetrics = new ClusterMetrics();
  readonly administration: ClusterAdministration;
  private readonly localAdministration: LocalAdministration;
  private readonly adminRelay: AdminRelay;

  /** Waits for Redis (start-up check, see waitForRedis), then opens the router's three connections: commands, relay subscriber, lease renewals. */
  static async open(directory: (bans: BanList) => LocalDirectory, media: MediaEngine, settings: ClusterSettings, logger: Logger): Promise<RedisRouter> {
    const timings = clusterTimings(settings.timings);
    await waitForRedis(settings.redisUrl, logger);
    const name = `confab:${settings.nodeId}`;
    const command = await openRedis(settings.redisUrl, name, timings.leaseMs, logger);
    const subscriber = await openRedis(settings.redisUrl, `${name}:relay`, timings.leaseMs, logger);
    const renewals = await openRedis(settings.redisUrl, `${name}:lease`, timings.leaseMs, logger);
    const localRooms = directory(new RedisBans(command));
    return new RedisRouter(localRooms, media, settings, timings, command, subscriber, renewals, logger);
  }

  private constructor(
    readonly localRooms: LocalDirectory,
    media: MediaEngine,
    private readonly settings: ClusterSettings,
    timings: ClusterTimings,
    private readonly command: Redis,
    private readonly subscriber: Redis,
    private readonly renewals: Redis,
    private readonly logger: Logger,
  ) {
    this.timings = timings;
    const id = settings.nodeId as NodeId;
    const metrics = this.clusterMetrics;
    const { host, port } = redisAddress(settings.redisUrl);
    this.health = new RedisHealth(host, port, timings, logger);
    this.store = new ClusterStore(command, renewals, id, newInstance(id), timings, this.health);
    this.bus = new RelayBus(this.store, subscriber, logger);
    this.edge = new RelayEdge(this.bus, this.store.instance, timings, metrics, logger);
    this.host = new RelayHost(this.bus, (request, link, signal) => this.admitHere(request, link, signal), logger);
    this.leases = new LeaseKeeper(this.store, this.health, localRooms, timings, metrics, logger, (room, reason) => this.lost(room, reason));
    this.localAdministration = new LocalAdministration(localRooms);
    this.adminRelay = new AdminRelay(this.bus, (op) => this.administerHere(op), timings.callTimeoutMs, logger);
    this.administration = new ClusterAdministration(this.localAdministration, this.adminRelay, {
      self: this.store.instance,
      ownerOf: (room) => this.ownerOf(room),
      placeNew: (room) => this.placeNew(room),
      liveInstances: () => this.store.liveInstances(),
    }, logger);
    this.mover = new RoomMover(this.store, this.bus, this.leases, localRooms, timings, logger);
    this.registry = new NodeRegistry(this.store, this.health, localRooms, media, settings.maxRooms, () => this.opening, timings, {
      peers: () => new Set([...this.edge.owners(), ...this.host.edges()]),
      peerDied: (instance) => {
        this.edge.ownerDied(instance);
        void this.host.edgeDied(instance);
      },
      selfExpired: () => this.edge.handOverAll(),
    }, logger);
  }

  get serving(): boolean {
    return !this.registry.expired;
  }

  /** This node's instance (`<CONFAB_NODE_ID>#<boot tag>`). */
  get instance(): NodeInstance {
    return this.store.instance;
  }

  async start(address: ListeningAddress): Promise<void> {
    const host = this.settings.host === '0.0.0.0' || this.settings.host === '::' ? hostname() : this.settings.host;
    const url = this.settings.nodeUrl ?? `${address.scheme}://${host.includes(':') ? `[${host}]` : host}:${address.port}`;
    await this.bus.listen((from, items) => this.receive(from, items));
    this.leases.start();
    await this.registry.start(url);
    // After an outage: re-register and reclaim leases the moment Redis takes commands again.
    this.command.on('ready', () => {
      this.leases.renewSoon();
      this.registry.refreshSoon();
    });
    this.renewals.on('ready', () => this.leases.renewSoon());
  }

  async connect(request: JoinRequest | ResumeRequest, link: SessionLink, signal?: AbortSignal): Promise<RoutedSession> {
    if (this.draining) throw ProtocolError.unavailable('server is shutting down');
    const room = request.room;
    const giveUpAt = Date.now() + this.timings.leaseMs + this.timings.callTimeoutMs;
    for (let attempt = 0; ; attempt++) {
      if (attempt > 0) {
        if (Date.now() > giveUpAt) throw ProtocolError.unavailable(`room "${room}" could not be placed on a server in time; try again`);
        await sleep(PLACE_RETRY_MS);
      }
      // The local fast path: a room whose lease we hold needs no Redis at all.
      if (this.leases.holds(room)) {
        const session = await this.tryHere(request, link, signal);
        if (session) return session;
        continue;
      }
      const sentAt = Date.now();
      let placement;
      this.opening++;
      try {
        placement = await this.store.place(room, request.type);
      } catch {
        throw ProtocolError.unavailable('the cluster cannot place rooms right now (Redis is unavailable); try again');
      } finally {
        // The room (if placed here) opens in this same turn, before any refresh can run.
        this.opening--;
      }
      switch (placement.kind) {
        case 'none':
          throw ProtocolError.notFound('session not found or expired; join again');
        case 'wait':
          continue;
        case 'nonode':
          throw ProtocolError.unavailable('no server is taking rooms right now; try again');
        case 'full':
          throw ProtocolError.exhausted('every server hosts its limit of rooms; try again later');
        case 'placed':
        case 'owner': {
          const holder = leaseHolder(placement.lease);
          if (holder === this.store.instance) {
            if (placement.kind === 'placed') this.leases.own(room, placement.lease, sentAt);
            const session = await this.tryHere(request, link, signal);
            if (session) return session;
            continue;
          }
          if (placement.kind === 'owner' && !placement.alive) {
            // Its node is gone, and every session with it: the room comes back elsewhere once the lease expires.
            if (request.type === 'resume') throw ProtocolError.notFound('session not found or expired; join again');
            continue;
          }
          const session = await this.edge.connect(holder, request, link, signal);
          if (session !== RETRY) return session;
          continue;
        }
      }
    }
  }

  drain(): Promise<boolean> {
    this.draining ??= (async () => {
      this.localRooms.drain();
      await this.registry.drain();
      await this.mover.moveAll();
      this.edge.handOverAll();
      return true;
    })();
    return this.draining;
  }

  async close(): Promise<void> {
    this.edge.stop();
    this.host.stop();
    this.leases.stop();
    await this.registry.stop();
    await this.leases.releaseAll().catch(() => undefined);
    this.command.disconnect();
    this.subscriber.disconnect();
    this.renewals.disconnect();
  }

  private receive(from: NodeInstance, items: RelayItem[]): void {
    for (const item of items) {
      switch (item.kind) {
        case 'connect':
        case 'command':
        case 'ack':
        case 'leave':
        case 'gone':
          this.host.receive(from, item);
          break;
        case 'admitted':
        case 'refused':
        case 'message':
        case 'supersede':
        case 'end':
        case 'result':
        case 'unknown':
          this.edge.receive(from, item);
          break;
        case 'adopt':
        case 'adopted':
        case 'departed':
          this.mover.receive(from, item);
          break;
        case 'admin_call':
        case 'admin_reply':
          this.adminRelay.receive(from, item);
          break;
      }
    }
  }

  /** admitHere, or undefined when the room turned out not to be ours (placement runs again). */
  private async tryHere(request: JoinRequest | ResumeRequest, link: SessionLink, signal?: AbortSignal): Promise<RoutedSession | undefined> {
    try {
      return await this.admitHere(request, link, signal);
    } catch (error) {
      if (error instanceof NotOwnerError) return undefined;
      throw error;
    }
  }

  /** Admits a participant into a room of this node, whether its socket is here or relayed. */
  private async admitHere(request: JoinRequest | ResumeRequest, link: SessionLink, signal?: AbortSignal): Promise<RoutedSession> {
    const room = await this.hostedRoom(request);
    const participant = await (request.type === 'join' ? room.join(request, link, signal) : room.resume(request, link));
    return new LocalSession(room, participant, link, this.logger);
  }

  private async hostedRoom(request: JoinRequest | ResumeRequest): Promise<Room> {
    const name = request.room;
    // Draining: the room is about to move (or has); the edge asks placement again until it has.
    if (this.draining) throw new NotOwnerError(`room "${name}" is moving to another server`);
    if (!this.leases.holds(name) && !(await this.claim(name))) throw new NotOwnerError(`room "${name}" is not hosted on this server`);
    if (request.type === 'join') return this.localRooms.acquire(name);
    const room = this.localRooms.get(name);
    if (!room || room.isClosed) throw ProtocolError.notFound('session not found or expired; join again');
    return room;
  }

  /** Takes up a room placement gave us (or confirms it is ours); concurrent admissions share one claim. */
  private claim(room: RoomName): Promise<boolean> {
    let pending = this.claims.get(room);
    if (!pending) {
      const sentAt = Date.now();
      this.opening++;
      pending = this.store.claim(room).then(
        (claim) => {
          if (claim.kind !== 'ok') return false;
          this.leases.own(room, claim.lease, sentAt);
          return true;
        },
        () => {
          throw ProtocolError.unavailable('the cluster cannot place rooms right now (Redis is unavailable); try again');
        },
      ).finally(() => {
        this.opening--;
        this.claims.delete(room);
      });
      this.claims.set(room, pending);
    }
    return pending;
  }

  /** An admin API call for a room of this node (or a room list); a room created here is claimed first. */
  private async administerHere(op: AdminOp): Promise<unknown> {
    if (op.op === 'create' && !this.leases.holds(op.body.name) && !(await this.claim(op.body.name))) {
      throw ProtocolError.unavailable(`room "${op.body.name}" could not be placed on this server; try again`);
    }
    return this.localAdministration.run(op);
  }

  /** The node hosting `room`, for the admin API; undefined when no such room is open. */
  private async ownerOf(room: RoomName): Promise<NodeInstance | undefined> {
    if (this.leases.holds(room)) return this.store.instance;
    const placement = await this.store.place(room, 'resume').catch(() => {
      throw ProtocolError.unavailable('the cluster cannot find rooms right now (Redis is unavailable); try again');
    });
    if (placement.kind === 'none') return undefined;
    if (placement.kind === 'owner' && placement.alive) return leaseHolder(placement.lease);
    throw ProtocolError.unavailable(`room "${room}" is moving between servers; try again`);
  }

  /** Places a new room for the admin API, as a first join would. */
  private async placeNew(room: RoomName): Promise<NodeInstance> {
    if (this.draining) throw ProtocolError.unavailable('server is shutting down');
    const sentAt = Date.now();
    const placement = await this.store.place(room, 'join').catch(() => {
      throw ProtocolError.unavailable('the cluster cannot place rooms right now (Redis is unavailable); try again');
    });
    switch (placement.kind) {
      case 'placed': {
        const holder = leaseHolder(placement.lease);
        if (holder === this.store.instance) this.leases.own(room, placement.lease, sentAt);
        return holder;
      }
      case 'owner':
        throw ProtocolError.conflict(`room "${room}" already exists`);
      case 'full':
        throw ProtocolError.exhausted('every server hosts its limit of rooms; try again later');
      default:
        throw ProtocolError.unavailable('no server is taking rooms right now; try again');
    }
  }

  /** The lease is gone or unsafe: the room closes here; its clients reconnect to wherever it lives next. */
  private lost(name: RoomName, reason: LossReason): void {
    const room = this.localRooms.get(name);
    if (!room || room.isClosed) return;
    this.logger.warn(
      { room: name, size: room.size, reason },
      reason === 'fenced' ? 'lease not renewed in time: closing the room here before another server may take it' : 'another server holds this room\'s lease: closing it here',
    );
    room.evict(ProtocolError.unavailable(`room "${name}" is moving to another server; reconnecting`));
  }
}

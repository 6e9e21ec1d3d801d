import { setTimeout as sleep } from 'node:timers/promises';
import { decodeServerMessage, encodeMessage, ErrorCode, ProtocolError, type ParticipantId, type RoomName } from '@confab/protocol';
import type { SessionEndReason, SessionLink } from '../../rooms/ParticipantSession';
import type { JoinRequest, ResumeRequest, RoomCommand } from '../../rooms/requests';
import type { Logger } from '../../service/logger';
import type { RoutedSession } from '../RoomRouter';
import type { ClusterMetrics } from '../../service/metrics';
import type { NodeInstance } from './nodeIds';
import type { RelayBus } from './RelayBus';
import type { RelayItemOf } from './relayMessages';
import type { ClusterTimings } from './timings';

/** One socket here whose session lives on another node. */
interface EdgeLink {
  readonly id: string;
  readonly owner: NodeInstance;
  readonly link: SessionLink;
  /** The `n` the next message from the owner must carry. */
  expected: number;
  admission: ((answer: RelayItemOf<'admitted' | 'refused'> | undefined) => void) | undefined;
  /** Gives up on an owner that does not answer the admission; stopped once it says the join waits in a lobby. */
  admissionTimer?: ReturnType<typeof setTimeout>;
  readonly calls: Map<number, (handled: boolean | undefined) => void>;
}

/** A goodbye the owner did not answer is told again this often, for this long. */
const LEAVE_RETRY_MS = 500;
const LEAVE_RETRY_FOR_MS = 60_000;

/** The owner did not take the connection, but another placement may: the room moved or its node is going. */
export const RETRY = Symbol('retry placement');

/**
 * The edge half of the relay: sockets on this node whose rooms live elsewhere. Commands go to the
 * owner and wait for its answer; the owner's messages come back to the socket in order. An owner
 * that dies (NodeRegistry notices) or a gap in its messages ends the socket, and the client's SDK
 * resumes at once, wherever its next socket lands.
 */
export class RelayEdge {
  private readonly links = new Map<string, EdgeLink>();
  private nextLink = 0;
  private nextCall = 0;

  constructor(
    private readonly bus: RelayBus,
    private readonly self: NodeInstance,
    private readonly timings: ClusterTimings,
    private readonly metrics: ClusterMetrics,
    private readonly logger: Logger,
  ) {}

  /** The owners this node relays to (their liveness is watched). */
  owners(): Set<NodeInstance> {
    return new Set([...this.links.values()].map((l) => l.owner));
  }

  /** Asks `owner` to admit `link`'s participant; RETRY if the owner says the room is not (or no longer) its. */
  async connect(owner: NodeInstance, request: JoinRequest | ResumeRequest, link: SessionLink, signal?: AbortSignal): Promise<RoutedSession | typeof RETRY> {
    const entry: EdgeLink = { id: `${this.self}.${++this.nextLink}`, owner, link, expected: 1, admission: undefined, calls: new Map() };
    const answer = new Promise<RelayItemOf<'admitted' | 'refused'> | undefined>((resolve) => {
      entry.admissionTimer = setTimeout(() => resolve(undefined), this.timings.callTimeoutMs);
      entry.admission = (value) => {
        clearTimeout(entry.admissionTimer);
        entry.admission = undefined;
        resolve(value);
      };
    });
    // The socket closed while the join waited (in a lobby): stop waiting; the owner is told below.
    signal?.addEventListener('abort', () => entry.admission?.(undefined), { once: true });
    this.links.set(entry.id, entry);
    this.sync();
    const delivered = await this.bus.post(owner, { kind: 'connect', link: entry.id, request: encodeMessage(request) });
    if (!delivered) entry.admission?.(undefined);
    const reply = await answer;
    if (reply?.kind === 'admitted') {
      return new RemoteSession(this, entry, reply.room as RoomName, reply.participantId as ParticipantId);
    }
    this.drop(entry);
    if (reply === undefined) {
      // Not heard, or heard too late: a late admission is undone when the owner hears this (a join
      // leaves at once, so the client, placed again, is not in the room twice).
      if (delivered) void this.bus.post(owner, { kind: 'leave', link: entry.id, call: 0, how: request.type === 'join' ? 'close' : 'detach' });
      return RETRY;
    }
    if (reply.retry) return RETRY;
    throw new ProtocolError(reply.code as ErrorCode, reply.message, reply.reason);
  }

  /** An item from an owner. */
  receive(from: NodeInstance, item: RelayItemOf<'admitted' | 'refused' | 'message' | 'supersede' | 'end' | 'result' | 'unknown'>): void {
    if (item.kind === 'message') return this.deliver(from, item);
    const entry = this.links.get(item.link);
    if (!entry || entry.owner !== from) return;
    switch (item.kind) {
      case 'admitted':
      case 'refused':
        return entry.admission?.(item);
      case 'result':
        entry.calls.get(item.call)?.(item.handled);
        return;
      case 'supersede':
        this.drop(entry);
        return entry.link.supersede();
      case 'end':
        this.drop(entry);
        return entry.link.end(item.reason);
      case 'unknown':
        // The owner has no such session (it restarted, or gave up on us): the client resumes, and learns.
        this.drop(entry);
        return entry.link.end('moved');
    }
  }

  /** Forgets every link (the node is closing): nothing more is sent or retried. */
  stop(): void {
    for (const entry of [...this.links.values()]) this.drop(entry);
  }

  /** `owner` is gone (its registry entry expired): end its sockets; their clients resume at once, elsewhere. */
  ownerDied(owner: NodeInstance): void {
    const ended = [...this.links.values()].filter((entry) => entry.owner === owner);
    if (ended.length > 0) this.logger.warn({ owner, sockets: ended.length }, 'a room owner is gone: ending its relayed sockets so their clients resume');
    for (const entry of ended) this.abandon(entry, 'failed');
  }

  /**
   * Ends every relayed socket here, leaving each session waiting for its resume on another node
   * (this node drains, or is cut off from Redis).
   */
  handOverAll(): void {
    for (const entry of [...this.links.values()]) {
      void this.bus.post(entry.owner, { kind: 'leave', link: entry.id, call: 0, how: 'detach' });
      this.abandon(entry, 'moved');
    }
  }

  /** A command for the owner; resolves whether it was handled, having told the client why if not. */
  async command(entry: EdgeLink, command: RoomCommand): Promise<boolean> {
    const id = 'id' in command ? command.id : undefined;
    if (!this.links.has(entry.id)) return false;
    const call = ++this.nextCall;
    const started = performance.now();
    const handled = this.await(entry, call);
    const delivered = await this.bus.post(entry.owner, { kind: 'command', link: entry.id, call, command: encodeMessage(command) });
    if (!delivered) entry.calls.get(call)?.(undefined);
    const answer = await handled;
    if (answer === undefined) {
      entry.link.send({ type: 'error', ...(id === undefined ? {} : { id }), code: ErrorCode.Unavailable, message: "the node hosting this room did not answer; try again" });
      return false;
    }
    this.metrics.observeRelayRoundTrip((performance.now() - started) / 1000);
    return answer;
  }

  acknowledge(entry: EdgeLink, seq: number): void {
    if (this.links.has(entry.id)) void this.bus.post(entry.owner, { kind: 'ack', link: entry.id, seq });
  }

  /**
   * The socket closed (`close`: a goodbye; `detach`: lost, resumable). Told again until the owner
   * answers (Redis may be out), or the owner is gone: a participant must not linger there.
   */
  async leave(entry: EdgeLink, how: 'close' | 'detach'): Promise<void> {
    const giveUpAt = Date.now() + LEAVE_RETRY_FOR_MS;
    while (this.links.has(entry.id)) {
      const call = ++this.nextCall;
      const done = this.await(entry, call);
      const delivered = await this.bus.post(entry.owner, { kind: 'leave', link: entry.id, call, how });
      if (!delivered) entry.calls.get(call)?.(undefined);
      if ((await done) !== undefined || Date.now() > giveUpAt) break;
      await sleep(LEAVE_RETRY_MS);
    }
    this.drop(entry);
  }

  private await(entry: EdgeLink, call: number): Promise<boolean | undefined> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => finish(undefined), this.timings.callTimeoutMs);
      const finish = (handled: boolean | undefined) => {
        clearTimeout(timer);
        entry.calls.delete(call);
        resolve(handled);
      };
      entry.calls.set(call, finish);
    });
  }

  /** A server message for one or more sockets here: checked once, then given to each in its own order. */
  private deliver(from: NodeInstance, item: RelayItemOf<'message'>): void {
    const decoded = decodeServerMessage(item.data);
    if (!decoded.ok) this.logger.warn({ owner: from, links: item.to.length, err: decoded.error.message }, 'relay: dropped an invalid server message');
    for (const target of item.to) {
      const entry = this.links.get(target.link);
      if (!entry || entry.owner !== from) {
        // A socket that is gone (or a stale owner): the owner should stop sending to it.
        void this.bus.post(from, { kind: 'gone', link: target.link });
        continue;
      }
      if (target.n !== undefined && target.n !== entry.expected) {
        // Lost in an outage: the replay buffer has them; the client gets them by resuming.
        this.logger.info({ link: entry.id, expected: entry.expected, got: target.n }, 'relay: messages lost; ending the socket so the client resumes');
        void this.bus.post(entry.owner, { kind: 'leave', link: entry.id, call: 0, how: 'detach' });
        this.abandon(entry, 'moved');
        continue;
      }
      if (target.n !== undefined) entry.expected++;
      // The owner holds the join in its lobby: the answer may take minutes, and the owner is alive.
      if (decoded.ok && decoded.message.type === 'waiting') clearTimeout(entry.admissionTimer);
      if (decoded.ok) entry.link.send(decoded.message, target.seq);
    }
  }

  /**
   * Forgets the link and ends its socket without a goodbye: the client resumes (`moved`: its
   * session waits; `failed`: it died with its node, so the resume fails and the client joins again).
   * Mid-admission, placement tries again instead.
   */
  private abandon(entry: EdgeLink, reason: SessionEndReason): void {
    this.drop(entry);
    if (entry.admission) return entry.admission(undefined);
    entry.link.end(reason);
  }

  private drop(entry: EdgeLink): void {
    if (!this.links.delete(entry.id)) return;
    for (const finish of [...entry.calls.values()]) finish(undefined);
    this.sync();
  }

  private sync(): void {
    this.metrics.setSocketsRelayed(this.links.size);
  }
}

/** A participant whose room lives on another node, as the socket's connection here sees it. */
class RemoteSession implements RoutedSession {
  constructor(
    private readonly edge: RelayEdge,
    private readonly entry: EdgeLink,
    readonly room: RoomName,
    readonly participantId: ParticipantId,
  ) {}

  send(command: RoomCommand): Promise<boolean> {
    return this.edge.command(this.entry, command);
  }

  acknowledge(seq: number): void {
    this.edge.acknowledge(this.entry, seq);
  }

  close(): Promise<void> {
    return this.edge.leave(this.entry, 'close');
  }

  detach(): Promise<void> {
    return this.edge.leave(this.entry, 'detach');
  }
}

import { setImmediate as nextTurn, setTimeout as sleep } from 'node:timers/promises';
import { decodeClientMessage, type ServerMessage } from '@confab/protocol';
import type { SessionEndReason, SessionLink } from '../../rooms/ParticipantSession';
import type { JoinRequest, ResumeRequest, RoomCommand } from '../../rooms/requests';
import { toProtocolError } from '../../service/errors';
import type { Logger } from '../../service/logger';
import type { RoutedSession } from '../RoomRouter';
import type { NodeInstance } from './nodeIds';
import type { RelayBus } from './RelayBus';
import type { RelayItemOf } from './relayMessages';

/** Admission refused because the room is not (or no longer) this node's: the edge places it again. */
export class NotOwnerError extends Error {
  override readonly name = 'NotOwnerError';
}

/** Admits a participant into a room on this node (RedisRouter.admitHere). */
export type Admit = (request: JoinRequest | ResumeRequest, link: SessionLink, signal: AbortSignal) => Promise<RoutedSession>;

interface HostedLink {
  readonly id: string;
  readonly edge: NodeInstance;
  session: RoutedSession | undefined;
  /** A message that matters did not reach the edge: the socket must resume to get it (see repair). */
  broken: boolean;
  /** The edge let go while we were still admitting: what to do with the session once admitted. */
  leftAs: 'close' | 'detach' | undefined;
  /** Aborted when the edge lets go before the admission ends (a join waiting in a lobby stops waiting). */
  readonly admitting: AbortController;
}

/** Messages whose loss costs nothing: the next one replaces them. Any other lost one breaks the link. */
const EXPENDABLE: ReadonlySet<ServerMessage['type']> = new Set(['active_speakers', 'connection_quality']);
/** How often a broken link's repair is tried while Redis is out. */
const REPAIR_RETRY_MS = 500;

/**
 * The owner half of the relay: participants of rooms here whose sockets are on other nodes. Each
 * gets a RelayedLink as its session's link, so the room talks to it as to a local socket. A
 * command from an edge is decoded again and runs exactly as a local one would; its answer goes back.
 */
export class RelayHost {
  private readonly links = new Map<string, HostedLink>();
  /** Edges whose participants are being detached (edgeDied). */
  private readonly losing = new Set<NodeInstance>();

  constructor(
    private readonly bus: RelayBus,
    private readonly admit: Admit,
    private readonly logger: Logger,
  ) {}

  /** The edges this node hosts sessions for (their liveness is watched). */
  edges(): Set<NodeInstance> {
    return new Set([...this.links.values()].map((l) => l.edge));
  }

  receive(from: NodeInstance, item: RelayItemOf<'connect' | 'command' | 'ack' | 'leave' | 'gone'>): void {
    if (item.kind === 'connect') return this.connect(from, item);
    const entry = this.links.get(item.link);
    if (!entry || entry.edge !== from) {
      if (item.kind === 'command') void this.bus.post(from, { kind: 'unknown', link: item.link });
      if (item.kind === 'leave' && item.call > 0) void this.bus.post(from, { kind: 'result', link: item.link, call: item.call, handled: false });
      return;
    }
    const session = entry.session;
    switch (item.kind) {
      case 'command': {
        const decoded = decodeClientMessage(item.command);
        if (!decoded.ok || decoded.message.type === 'join' || decoded.message.type === 'resume' || decoded.message.type === 'ping' || !session) {
          this.logger.warn({ link: item.link, edge: from }, 'relay: refused a command that is not a room command');
          void this.bus.post(from, { kind: 'result', link: item.link, call: item.call, handled: false });
          return;
        }
        void session.send(decoded.message as RoomCommand).then((handled) => this.bus.post(from, { kind: 'result', link: item.link, call: item.call, handled }));
        return;
      }
      case 'ack':
        return session?.acknowledge(item.seq);
      case 'leave':
        this.links.delete(entry.id);
        entry.leftAs = item.how;
        if (!session) entry.admitting.abort();
        void (item.how === 'close' ? session?.close() : session?.detach())
          ?.catch((err: unknown) => this.logger.error({ err, link: entry.id }, 'relay: removing a participant failed'))
          .then(() => item.call > 0 && this.bus.post(from, { kind: 'result', link: item.link, call: item.call, handled: true }));
        return;
      case 'gone':
        return this.lose(entry);
    }
  }

  /** Stops every link (the node is closing): nothing more is sent or retried. */
  stop(): void {
    this.links.clear();
  }

  /**
   * `edge` is gone: its participants here wait for their resumes, as after any lost connection.
   * One per turn of the event loop: each is told to everyone in its room, and hundreds of them in
   * one go (a big room) would hold this node's loop for seconds, long enough for its own registry
   * entry to expire and its clients' pongs to go unread.
   */
  async edgeDied(edge: NodeInstance): Promise<void> {
    if (this.losing.has(edge)) return; // the registry reports it every tick until we are done
    this.losing.add(edge);
    try {
      for (const entry of [...this.links.values()]) {
        if (entry.edge !== edge || this.links.get(entry.id) !== entry) continue;
        this.lose(entry);
        await nextTurn();
      }
    } finally {
      this.losing.delete(edge);
    }
  }

  private connect(from: NodeInstance, item: RelayItemOf<'connect'>): void {
    const decoded = decodeClientMessage(item.request);
    if (!decoded.ok || (decoded.message.type !== 'join' && decoded.message.type !== 'resume')) {
      void this.bus.post(from, { kind: 'refused', link: item.link, code: 'invalid_argument', message: 'relay: not a join or resume', retry: false });
      return;
    }
    if (this.links.has(item.link)) return; // delivered twice
    const entry: HostedLink = { id: item.link, edge: from, session: undefined, broken: false, leftAs: undefined, admitting: new AbortController() };
    this.links.set(entry.id, entry);
    const link = new RelayedLink(this.bus, from, item.link, {
      forget: () => this.links.get(entry.id) === entry && this.links.delete(entry.id),
      lost: () => void this.repair(entry),
    });
    this.admit(decoded.message, link, entry.admitting.signal).then(
      (session) => {
        // The edge gave up meanwhile: a join that came too late leaves at once, so nobody is there twice.
        if (this.links.get(entry.id) !== entry) return void (entry.leftAs === 'close' ? session.close() : session.detach());
        entry.session = session;
        void this.bus.post(from, { kind: 'admitted', link: item.link, participantId: session.participantId, room: session.room });
      },
      (error: unknown) => {
        this.links.delete(entry.id);
        const retry = error instanceof NotOwnerError;
        const wire = toProtocolError(error);
        void this.bus.post(from, { kind: 'refused', link: item.link, code: wire.code, message: retry ? (error as Error).message : wire.message, retry, ...(wire.reason ? { reason: wire.reason } : {}) });
      },
    );
  }

  /**
   * A message that matters was lost (Redis was out, or the edge's subscription was): once the edge
   * can be reached, its socket is ended with `moved`, and the session waits for the client's resume,
   * which replays what it missed and renegotiates media.
   */
  private async repair(entry: HostedLink): Promise<void> {
    if (entry.broken) return;
    entry.broken = true;
    while (this.links.get(entry.id) === entry) {
      if (await this.bus.post(entry.edge, { kind: 'end', link: entry.id, reason: 'moved' })) {
        this.logger.info({ link: entry.id, edge: entry.edge }, 'relay: a message was lost; the socket resumes to get it');
        return this.lose(entry);
      }
      await sleep(REPAIR_RETRY_MS);
    }
  }

  private lose(entry: HostedLink): void {
    this.links.delete(entry.id);
    if (!entry.session) entry.admitting.abort();
    entry.session?.detach().catch((err: unknown) => this.logger.error({ err, link: entry.id }, 'relay: detaching a participant failed'));
  }
}

/**
 * On the owner: the link of a session whose socket is on another node. What the room sends crosses
 * the bus (a broadcast once per node, however many of its members are there: relayOutbox.ts).
 */
class RelayedLink implements SessionLink {
  private counted = 0;

  constructor(
    private readonly bus: RelayBus,
    private readonly edge: NodeInstance,
    private readonly id: string,
    private readonly host: {
      /** The session ended here: the link is forgotten. */
      forget(): void;
      /** A message that matters did not get through. */
      lost(): void;
    },
  ) {}

  send(message: ServerMessage, seq?: number): void {
    if (EXPENDABLE.has(message.type)) return void this.bus.postMessage(this.edge, this.id, message, seq, undefined);
    void this.bus.postMessage(this.edge, this.id, message, seq, ++this.counted).then((delivered) => delivered || this.host.lost());
  }

  supersede(): void {
    this.host.forget();
    void this.bus.post(this.edge, { kind: 'supersede', link: this.id });
  }

  end(reason: SessionEndReason): void {
    this.host.forget();
    void this.bus.post(this.edge, { kind: 'end', link: this.id, reason });
  }
}

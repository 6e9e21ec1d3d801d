import { randomBytes, timingSafeEqual } from 'node:crypto';
import { isSequenced, type ServerMessage } from '@confab/protocol';

/**
 * Why the room ended a session's connection: `failed`, the room failed and dropped the participant
 * (the client joins again); `moved`, the room moved to another node, where the session waits (the
 * client resumes there at once); `removed`, the participant may not stay (a `removed` message said
 * why; the client does not come back).
 */
export type SessionEndReason = 'failed' | 'moved' | 'removed';

/** Where a session's messages go while a connection is attached: the service edge implements it. */
export interface SessionLink {
  /** `seq` is set on sequenced messages (the client tracks it for resume). */
  send(message: ServerMessage, seq?: number): void;
  /** Another connection took the session over; this one must close without leaving the room. */
  supersede(): void;
  /** The room is done with this connection (see SessionEndReason): close it without leaving the room. */
  end(reason: SessionEndReason): void;
}

/** What a session carries to another node when its room moves (RoomSnapshot). */
export interface SessionState {
  resumeToken: string;
  /** The last sequence number used; the session goes on from the next one. */
  seq: number;
  /** Unacknowledged sequenced messages, oldest first; the last one is `seq`. */
  replay: ServerMessage[];
}

/**
 * One participant's conversation with the server, across connections. Sequenced messages are
 * numbered and kept until the client acknowledges them, so that after a drop `resume` can replay
 * exactly what the client missed. While no connection is attached, messages wait in the same buffer.
 */
export class ParticipantSession {
  readonly resumeToken: string;
  private link: SessionLink | undefined;
  private seq: number;
  /** Unacknowledged sequenced messages, oldest first; `seq` of entry i is `firstSeq + i`. */
  private replay: ServerMessage[];
  private firstSeq: number;
  /** handOver() ran: the session lives on at another node. */
  private movedAway = false;

  /** `restored`: a session moved from another node, detached until its client resumes. */
  constructor(
    link: SessionLink | undefined,
    private readonly maxBuffered: number,
    restored?: SessionState,
  ) {
    this.link = link;
    this.resumeToken = restored?.resumeToken ?? randomBytes(18).toString('base64url');
    this.seq = restored?.seq ?? 0;
    this.replay = restored ? restored.replay.slice(-maxBuffered) : [];
    this.firstSeq = this.seq - this.replay.length + 1;
  }

  /**
   * The session moves to another node: returns what it carries there, and from now on sends
   * nothing here, since the sequence numbers after `seq` belong to the new node. end() still works.
   */
  handOver(): SessionState {
    this.movedAway = true;
    return { resumeToken: this.resumeToken, seq: this.seq, replay: [...this.replay] };
  }

  get attached(): boolean {
    return this.link !== undefined;
  }

  send(message: ServerMessage): void {
    if (this.movedAway) return;
    if (!isSequenced(message)) {
      this.link?.send(message);
      return;
    }
    const seq = ++this.seq;
    this.replay.push(message);
    if (this.replay.length > this.maxBuffered) {
      this.replay.shift();
      this.firstSeq++;
    }
    this.link?.send(message, seq);
  }

  /** The room is done with this session here: the attached connection (if any) closes. */
  end(reason: SessionEndReason): void {
    const link = this.link;
    this.link = undefined;
    link?.end(reason);
  }

  /** The client has everything up to `seq`. */
  acknowledge(seq: number): void {
    const drop = Math.min(seq - this.firstSeq + 1, this.replay.length);
    if (drop <= 0) return;
    this.replay.splice(0, drop);
    this.firstSeq += drop;
  }

  /** Detaches `link` if it is the current one; later messages wait for a resume. */
  detach(link: SessionLink): boolean {
    if (this.link !== link) return false;
    this.link = undefined;
    return true;
  }

  isCurrent(link: SessionLink): boolean {
    return this.link === link;
  }

  matches(token: string): boolean {
    const a = Buffer.from(token);
    const b = Buffer.from(this.resumeToken);
    return a.length === b.length && timingSafeEqual(a, b);
  }

  /** True if everything after `lastSeq` is still buffered, so a resume from there loses nothing. */
  canReplayFrom(lastSeq: number): boolean {
    return lastSeq <= this.seq && lastSeq + 1 >= this.firstSeq;
  }

  /**
   * Attaches `link` (superseding any other) after `reply` has gone out on it, and replays every
   * sequenced message after `lastSeq`. Call only after canReplayFrom(lastSeq).
   */
  attach(link: SessionLink, lastSeq: number, reply: ServerMessage): void {
    const previous = this.link;
    this.link = link;
    if (previous && previous !== link) previous.supersede();
    this.acknowledge(lastSeq);
    link.send(reply);
    for (let i = 0; i < this.replay.length; i++) link.send(this.replay[i]!, this.firstSeq + i);
  }
}

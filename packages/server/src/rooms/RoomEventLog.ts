import { randomUUID } from 'node:crypto';
import type { RoomName, WebhookEvent } from '@confab/protocol';
import type { RoomEvents } from '../webhooks/RoomEvents';

type EventFields = Omit<WebhookEvent, 'id' | 'room' | 'seq' | 'createdAt' | 'node'>;

/**
 * One life of a room as webhooks see it: a sid, and events numbered 1, 2, 3… in the order they
 * happened (the room calls emit() on its queue). A moved room keeps its sid and numbering.
 */
export class RoomEventLog {
  readonly sid: string;
  private seq: number;

  constructor(
    private readonly room: RoomName,
    private readonly node: string,
    private readonly sink: RoomEvents,
    restored?: { sid: string; eventSeq: number },
  ) {
    this.sid = restored?.sid ?? `RM_${randomUUID().replaceAll('-', '').slice(0, 16)}`;
    this.seq = restored?.eventSeq ?? 0;
  }

  get lastSeq(): number {
    return this.seq;
  }

  emit(fields: EventFields): void {
    this.sink.emit({ id: randomUUID(), room: { name: this.room, sid: this.sid }, seq: ++this.seq, createdAt: Date.now(), node: this.node, ...fields });
  }
}

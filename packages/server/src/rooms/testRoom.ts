/**
 * Test doubles for the rooms' unit tests (not exported from the package): a media router that
 * records what a room asks of it, a room on top of it, and an inbox standing in for a connection.
 */
import { OpenAccess } from '../access/OpenAccess';
import { LocalBans } from '../cluster/LocalBans';
import { NO_ROOM_EVENTS } from '../webhooks/RoomEvents';
import type { IceServer, ParticipantId, RoomName, ServerMessage } from '@confab/protocol';
import type { Consumer, ConsumeOptions, MediaKind, Producer, ProducerOptions, Router, TrackRecording, TrackSettings, Transport, TransportOptions } from '../media/types';
import { MediaError } from '../media/errors';
import type { SessionEndReason } from './ParticipantSession';
import { Room } from './Room';
import type { JoinRequest } from './requests';

/** Records what the room asks of media; enough to check the room's bookkeeping. */
export class RecordingRouter implements Router {
  readonly id = 'router';
  readonly transports: RecordingTransport[] = [];
  closed = false;
  /** Transports left before createTransport throws, as when the media port range is full. */
  capacity = Infinity;
  createTransport(options: TransportOptions): Transport {
    if (this.transports.length >= this.capacity) throw new MediaError('unavailable', 'no free media ports');
    const transport = new RecordingTransport(options);
    this.transports.push(transport);
    return transport;
  }
  activeSpeaker: string | null = null;
  setActiveSpeaker(label: string | null): void {
    this.activeSpeaker = label;
  }
  close(): void {
    this.closed = true;
  }
}

export class RecordingTransport implements Transport {
  readonly id: string;
  readonly role;
  state: Transport['state'] = 'new';
  readonly consumers: RecordingConsumer[] = [];
  offers: string[] = [];
  iceRestarts = 0;
  constructor(readonly options: TransportOptions) {
    this.id = `${options.label}/${options.role}`;
    this.role = options.role;
  }
  async applyOffer(sdp: string) {
    if (sdp === "bad") throw new MediaError("invalid_argument", "unparseable");
    this.offers.push(sdp);
    this.options.onSignal({ type: 'answer', sdp: `answer-to-${sdp}` });
  }
  answers: string[] = [];
  async applyAnswer(sdp: string) {
    this.answers.push(sdp);
  }
  restartIce() {
    this.iceRestarts++;
  }
  async addRemoteCandidate() {}
  produce(options: ProducerOptions): Producer {
    return new RecordingProducer(options);
  }
  consume(producer: Producer, options?: ConsumeOptions): Consumer {
    if (this.state === 'closed') throw MediaError.conflict('transport is closed'); // as TransportBase
    const consumer = new RecordingConsumer(producer as RecordingProducer, options);
    this.consumers.push(consumer);
    return consumer;
  }
  close() {
    this.state = 'closed';
  }
}

export class RecordingProducer implements Producer {
  readonly id: string;
  readonly kind: MediaKind;
  paused: boolean;
  closed = false;
  constructor(readonly options: ProducerOptions) {
    this.id = options.id;
    this.kind = options.kind;
    this.paused = options.paused ?? false;
  }
  pause() { this.paused = true; }
  resume() { this.paused = false; }
  requestKeyFrame() {}
  close() { this.closed = true; }
  record(): Promise<TrackRecording> { return Promise.reject(MediaError.unavailable('the fake media plane writes no files')); }
}

export class RecordingConsumer implements Consumer {
  readonly id = 'c';
  readonly producerId: string;
  readonly kind: MediaKind;
  paused = false;
  closed = false;
  constructor(producer: RecordingProducer, readonly options: ConsumeOptions = {}) {
    this.producerId = producer.id;
    this.kind = producer.kind;
  }
  settings: TrackSettings | undefined;
  pause() { this.paused = true; }
  resume() { this.paused = false; }
  setTrackSettings(settings: TrackSettings) { this.settings = settings; }
  close() { this.closed = true; }
}

export const silent = { info() {}, warn() {}, error() {} };

export function makeRoom(maxParticipants = 10, { resumeWindowMs = 15_000, replayBufferSize = 100, iceServers = (_id: ParticipantId): IceServer[] => [], router = new RecordingRouter() } = {}) {
  let closedCount = 0;
  const session = { resumeWindowMs, heartbeatIntervalMs: 1000, heartbeatTimeoutMs: 4000 };
  const options = { maxParticipants, iceServers, session, replayBufferSize, logger: silent, access: new OpenAccess(), bans: new LocalBans(), events: NO_ROOM_EVENTS, nodeId: 'test' };
  const room = new Room('standup' as RoomName, router, options, () => closedCount++);
  room.opened();
  return { room, router, closedCount: () => closedCount };
}

export function inbox() {
  const messages: ServerMessage[] = [];
  const seqs: (number | undefined)[] = [];
  const link = {
    superseded: false,
    send: (m: ServerMessage, seq?: number) => {
      messages.push(m);
      seqs.push(seq);
    },
    supersede() {
      link.superseded = true;
    },
    ended: undefined as SessionEndReason | undefined,
    end(reason: SessionEndReason) {
      link.ended = reason;
    },
  };
  return {
    messages,
    seqs,
    sink: link,
    ofType<T extends ServerMessage['type']>(type: T) {
      return messages.filter((m): m is Extract<ServerMessage, { type: T }> => m.type === type);
    },
  };
}

export const join = (name: string, id = 1): JoinRequest => ({ type: 'join', id, v: 1, room: 'standup' as RoomName, name });

/** A resume of `p`'s session from `lastSeq`. */
export const resume = (p: { id: ParticipantId; session: { resumeToken: string } }, lastSeq: number, id = 50) =>
  ({ type: 'resume', id, v: 1, room: 'standup' as RoomName, participantId: p.id, token: p.session.resumeToken, lastSeq }) as const;

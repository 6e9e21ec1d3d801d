import type { ConnectionQuality, MessageOf, ParticipantId, ServerMessage } from '@confab/protocol';
import type { TransportRole, TransportStats } from '../media/types';
import { ConnectionQualityTracker } from './connectionQuality';

export type ConnectionQualityMessage = MessageOf<ServerMessage, 'connection_quality'>;

/** Verdicts are re-evaluated this often (the media plane's stats come once a second). */
export const QUALITY_EVALUATE_MS = 1000;

/**
 * Connection quality of a room's participants: their transports' stats go in, a
 * `connection_quality` message with whoever changed comes out (evaluated once a second, and at
 * once when signaling is lost).
 */
export class QualityFeed {
  private readonly trackers = new Map<ParticipantId, ConnectionQualityTracker>();
  private readonly timer: NodeJS.Timeout;

  constructor(
    /** Whether the participant's signaling is reconnecting. */
    private readonly reconnecting: (participantId: ParticipantId) => boolean,
    private readonly send: (message: ConnectionQualityMessage) => void,
  ) {
    this.timer = setInterval(() => this.evaluate(), QUALITY_EVALUATE_MS);
    this.timer.unref();
  }

  add(participantId: ParticipantId): void {
    this.trackers.set(participantId, new ConnectionQualityTracker());
  }

  remove(participantId: ParticipantId): void {
    this.trackers.delete(participantId);
  }

  stats(participantId: ParticipantId, role: TransportRole, stats: TransportStats): void {
    this.trackers.get(participantId)?.onStats(role, stats, performance.now());
  }

  /** Everyone's quality now (for a newcomer, or a client that resumed). */
  snapshot(): ConnectionQualityMessage {
    return { type: 'connection_quality', updates: [...this.trackers].map(([participantId, t]) => ({ participantId, quality: t.quality })) };
  }

  /** Evaluates everyone now and sends who changed. */
  evaluate(): void {
    const nowMs = performance.now();
    const updates: { participantId: ParticipantId; quality: ConnectionQuality }[] = [];
    for (const [participantId, tracker] of this.trackers) {
      const quality = tracker.evaluate(nowMs, this.reconnecting(participantId));
      if (quality !== undefined) updates.push({ participantId, quality });
    }
    if (updates.length > 0) this.send({ type: 'connection_quality', updates });
  }

  close(): void {
    clearInterval(this.timer);
    this.trackers.clear();
  }
}

import type { MessageOf, ParticipantId, ServerMessage } from '@confab/protocol';
import type { AudioLevelSample } from '../media/types';
import { ActiveSpeakerDetector, type ActiveSpeakers, type SpeakerLevel } from './ActiveSpeakerDetector';

export type ActiveSpeakersMessage = MessageOf<ServerMessage, 'active_speakers'>;

/** At most one message per this long, except when the dominant speaker changes (that goes at once). */
const MIN_INTERVAL_MS = 200;
/** A level must move this much to be worth a message on its own. */
const LEVEL_STEP = 0.05;

/**
 * A room's active speakers: the media plane's audio levels (by producer) become participants'
 * levels for the detector, and what it decides becomes `active_speakers` messages, a few per
 * second while it changes. `onDominant` is where the allocator hears who holds the floor.
 */
export class ActiveSpeakerFeed {
  private readonly detector = new ActiveSpeakerDetector<ParticipantId>();
  private last: ActiveSpeakers<ParticipantId> = { speakers: [], dominant: null };
  private lastSentMs = -Infinity;

  constructor(
    /** The participant whose microphone `producerId` is, if it is one. */
    private readonly microphoneOwner: (producerId: string) => ParticipantId | undefined,
    private readonly send: (message: ActiveSpeakersMessage) => void,
    private readonly onDominant: (participantId: ParticipantId | null) => void = () => {},
  ) {}

  get dominant(): ParticipantId | null {
    return this.detector.dominantSpeaker;
  }

  /** One interval's levels from the router. */
  levels(samples: readonly AudioLevelSample[], nowMs: number): void {
    const levels: SpeakerLevel<ParticipantId>[] = [];
    for (const sample of samples) {
      const id = this.microphoneOwner(sample.producerId);
      if (id !== undefined) levels.push({ id, voiced: sample.voiced, level: sample.level });
    }
    const dominantChanged = this.detector.observe(levels, nowMs);
    this.publish(nowMs, dominantChanged);
  }

  /** The participant left or unpublished their microphone. */
  remove(participantId: ParticipantId, nowMs: number): void {
    const dominantChanged = this.detector.remove(participantId);
    this.publish(nowMs, dominantChanged);
  }

  /** What a newcomer needs to know, or undefined while nothing has been said yet. */
  snapshot(): ActiveSpeakersMessage | undefined {
    return this.last.dominant === null && this.last.speakers.length === 0 ? undefined : toMessage(this.last);
  }

  private publish(nowMs: number, dominantChanged: boolean): void {
    if (dominantChanged) this.onDominant(this.detector.dominantSpeaker);
    const now = this.detector.current();
    if (!dominantChanged && (nowMs - this.lastSentMs < MIN_INTERVAL_MS || !differs(this.last, now))) return;
    this.last = now;
    this.lastSentMs = nowMs;
    this.send(toMessage(now));
  }
}

function toMessage(state: ActiveSpeakers<ParticipantId>): ActiveSpeakersMessage {
  return {
    type: 'active_speakers',
    speakers: state.speakers.map((s) => ({ participantId: s.id, level: s.level })),
    dominant: state.dominant,
  };
}

function differs(a: ActiveSpeakers<ParticipantId>, b: ActiveSpeakers<ParticipantId>): boolean {
  if (a.dominant !== b.dominant || a.speakers.length !== b.speakers.length) return true;
  for (let i = 0; i < a.speakers.length; i++) {
    const x = a.speakers[i]!;
    const y = b.speakers[i]!;
    if (x.id !== y.id || Math.abs(x.level - y.level) >= LEVEL_STEP) return true;
  }
  return false;
}

/** What moderation tells you by toast: a moderator muted you, your role or rights changed, someone knocks. */
import type { LocalTrack, WaitingParticipant } from '@confab/client';
import { toast } from './toast';

const MUTED_BY_MODERATOR: Record<LocalTrack['source'], string> = {
  microphone: 'A moderator muted your microphone. You can unmute it when you need to speak.',
  camera: 'A moderator turned off your camera.',
  screen: 'A moderator stopped your screen share.',
};

export class ModerationNotices {
  /** Who was waiting at the last lobby update, so only newcomers get a toast. */
  private knocking = new Set<string>();
  private readonly closers = new Map<string, () => void>();

  constructor(private readonly decide: (person: WaitingParticipant, admit: boolean) => void) {}

  mutedByModerator(track: LocalTrack): void {
    toast(MUTED_BY_MODERATOR[track.source], { kind: 'warning', timeoutMs: 8000 });
  }

  moderatorChanged(moderator: boolean): void {
    toast(moderator ? 'You are now a moderator.' : 'You are no longer a moderator.', { kind: 'info' });
  }

  publishingRevoked(): void {
    toast('You can no longer share your microphone, camera or screen in this meeting.', { kind: 'warning', timeoutMs: 8000 });
  }

  /** Moderators: a toast with Admit and Deny for each person who starts waiting; it goes when they stop. */
  lobby(waiting: readonly WaitingParticipant[]): void {
    const now = new Set(waiting.map((w) => w.participantId));
    for (const person of waiting) {
      if (this.knocking.has(person.participantId)) continue;
      const close = toast(`${person.name} is waiting to join.`, {
        kind: 'info',
        timeoutMs: 0,
        actions: [
          { label: 'Admit', primary: true, onClick: () => this.decide(person, true) },
          { label: 'Deny', onClick: () => this.decide(person, false) },
        ],
      });
      this.closers.set(person.participantId, close);
    }
    for (const [id, close] of this.closers) {
      if (now.has(id)) continue;
      close();
      this.closers.delete(id);
    }
    this.knocking = now;
  }

  destroy(): void {
    for (const close of this.closers.values()) close();
    this.closers.clear();
  }
}

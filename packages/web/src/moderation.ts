/**
 * What a moderator's clicks do: requests through `room.moderation`, one at a time per person or
 * setting; a toast says what went wrong, or what was done when nothing on screen shows it.
 */
import type { Room, WaitingParticipant } from '@confab/client';
import { describeRecordingError, describeRoomError } from './errors';
import type { ModeratedSource, ModerationTarget } from './moderatorMenu';
import { toast } from './toast';

/** "Remove and ban" keeps the person out for a day: past any one meeting, without being forever. */
export const BAN_SECONDS = 24 * 3600;

/** Said after stopping someone's video; a muted microphone shows on their tile by itself. */
const STOPPED: Record<Exclude<ModeratedSource, 'microphone'>, string> = { camera: 'turned off the camera of', screen: 'stopped the screen share of' };

export class ModerationActions {
  private readonly busy = new Set<string>();

  /** `changed` runs after every action, so the view re-reads the room's state (a refused switch flips back). */
  constructor(
    private readonly room: Room,
    private readonly changed: () => void,
  ) {}

  mute(target: ModerationTarget, source: ModeratedSource): Promise<void> {
    return this.run(`mute:${target.id}:${source}`, `Couldn’t do that to ${target.name}`, async () => {
      await this.room.moderation.muteParticipant(target.id, source);
      if (source !== 'microphone') toast(`You ${STOPPED[source]} ${target.name}.`, { kind: 'success', timeoutMs: 2500 });
    });
  }

  remove(target: ModerationTarget, ban: boolean): Promise<void> {
    return this.run(`remove:${target.id}`, `Couldn’t remove ${target.name}`, async () => {
      await this.room.moderation.removeParticipant(target.id, ban ? { banSeconds: BAN_SECONDS } : {});
      toast(ban ? `${target.name} was removed and can’t rejoin for a day.` : `${target.name} was removed.`, { kind: 'success' });
    });
  }

  setModerator(target: ModerationTarget, moderator: boolean): Promise<void> {
    return this.run(`moderator:${target.id}`, `Couldn’t change ${target.name}’s role`, async () => {
      await this.room.moderation.setModerator(target.id, moderator);
      toast(moderator ? `${target.name} is now a moderator.` : `${target.name} is no longer a moderator.`, { kind: 'success' });
    });
  }

  /** Starts or stops recording; the indicator and notices follow from the room's event, not from here. */
  record(on: boolean): Promise<void> {
    const failure = on ? 'Couldn’t start recording' : 'Couldn’t stop recording';
    return this.run('record', failure, () => this.room.moderation.setRecording(on), (err) => describeRecordingError(err, on));
  }

  lock(locked: boolean): Promise<void> {
    return this.run('lock', locked ? 'Couldn’t lock the meeting' : 'Couldn’t unlock the meeting', () => this.room.moderation.lockRoom(locked));
  }

  lobby(on: boolean): Promise<void> {
    return this.run('lobby', on ? 'Couldn’t turn the lobby on' : 'Couldn’t turn the lobby off', () => this.room.moderation.setLobby(on));
  }

  /** True once the server took it. */
  async setPassword(password: string | null): Promise<boolean> {
    let done = false;
    await this.run('password', 'Couldn’t change the password', async () => {
      await this.room.moderation.setPassword(password);
      toast(password === null ? 'Password removed: anyone with the link can join.' : 'Password set: new joiners need it.', { kind: 'success' });
      done = true;
    });
    return done;
  }

  admit(person: WaitingParticipant): Promise<void> {
    return this.run(`lobby:${person.participantId}`, `Couldn’t let ${person.name} in`, () => this.room.moderation.admit(person.participantId));
  }

  deny(person: WaitingParticipant): Promise<void> {
    return this.run(`lobby:${person.participantId}`, `Couldn’t turn ${person.name} away`, () => this.room.moderation.deny(person.participantId));
  }

  endMeeting(): Promise<void> {
    return this.run('end', 'Couldn’t end the meeting', () => this.room.moderation.endMeeting());
  }

  private async run(key: string, failure: string, action: () => Promise<void>, describe: (err: unknown) => string = describeRoomError): Promise<void> {
    if (this.busy.has(key)) return;
    this.busy.add(key);
    try {
      await action();
    } catch (err) {
      if (this.room.state !== 'disconnected') toast(`${failure}. ${describe(err)}`, { kind: 'error' });
    } finally {
      this.busy.delete(key);
      this.changed();
    }
  }
}

/**
 * What the control bar does to you in the room: mute/unmute or start a device, screen share,
 * switch devices, presence, raising your hand, chat. One action per source at a time; failures
 * become toasts.
 */
import type { ConfabError, Room } from '@confab/client';
import { copyText, roomLink } from './clipboard';
import type { PresenceStatus } from './controls';
import type { DeviceKind } from './devices';
import {
  DEPLOY_GUIDE_PATH,
  describeJoinMediaErrors,
  describeMediaError,
  describeRoomError,
  errorCode,
  errorMessage,
  mediaFailure,
  mediaSourceOf,
  type MediaSource,
} from './errors';
import { savePref } from './prefs';
import { toast } from './toast';

export class LocalActions {
  private readonly busy = new Set<MediaSource>();
  private readonly preferred: Partial<Record<DeviceKind, string>> = {};
  private readonly joinFailures = new Map<MediaSource, ConfabError>();
  private joinFailureTimer: ReturnType<typeof setTimeout> | undefined;
  private closed = false;

  /** `changed` runs after every action, successful or not, so the view re-reads the state. */
  constructor(
    private readonly room: Room,
    private readonly changed: () => void,
  ) {}

  close(): void {
    this.closed = true;
    clearTimeout(this.joinFailureTimer);
  }

  /** Mutes/unmutes the microphone or camera, or starts it if it isn't published. */
  async toggle(source: DeviceKind): Promise<void> {
    await this.run(source, async () => {
      const lp = this.room.localParticipant;
      const track = lp.tracks.get(source);
      if (track) {
        await lp.setMuted(source, !track.muted);
        return;
      }
      const deviceId = this.preferred[source];
      const constraints = deviceId ? { deviceId: { exact: deviceId } } : undefined;
      await (source === 'microphone' ? lp.publishMicrophone(constraints) : lp.publishCamera(constraints));
    });
  }

  async toggleScreen(): Promise<void> {
    await this.run('screen', async () => {
      const lp = this.room.localParticipant;
      if (lp.tracks.has('screen')) await lp.unpublish('screen');
      else await lp.publishScreen();
    });
  }

  /** A moderator stopped our screen share: take it down, so that Share starts a new one. */
  async stopScreen(): Promise<void> {
    await this.run('screen', () => this.room.localParticipant.unpublish('screen'));
  }

  /** The device in use per kind (from the track), else the one last chosen. */
  currentDevices(): Partial<Record<DeviceKind, string>> {
    const result: Partial<Record<DeviceKind, string>> = { ...this.preferred };
    for (const kind of ['microphone', 'camera'] as const) {
      const id = this.room.localParticipant.tracks.get(kind)?.mediaStreamTrack.getSettings().deviceId;
      if (id) result[kind] = id;
    }
    return result;
  }

  async chooseDevice(kind: DeviceKind, deviceId: string): Promise<void> {
    if (!deviceId) return;
    this.preferred[kind] = deviceId;
    savePref(kind === 'camera' ? 'cameraDevice' : 'microphoneDevice', deviceId);
    await this.run(kind, async () => {
      const lp = this.room.localParticipant;
      if (lp.tracks.has(kind)) await lp.switchDevice(kind, deviceId);
      else if (kind === 'microphone') await lp.publishMicrophone({ deviceId: { exact: deviceId } });
      else await lp.publishCamera({ deviceId: { exact: deviceId } });
    });
  }

  async setStatus(status: PresenceStatus): Promise<void> {
    try {
      await this.room.localParticipant.setStatus(status);
    } catch (err) {
      if (!this.closed) toast(`Couldn’t change your status: ${errorMessage(err)}.`, { kind: 'error' });
    } finally {
      this.changed();
    }
  }

  async toggleHand(): Promise<void> {
    const lp = this.room.localParticipant;
    try {
      await lp.setHandRaised(!lp.handRaised);
    } catch (err) {
      if (!this.closed) toast(`Couldn’t ${lp.handRaised ? 'lower' : 'raise'} your hand: ${errorMessage(err)}.`, { kind: 'error' });
    } finally {
      this.changed();
    }
  }

  /** Rejects (after saying why) so the composer keeps the text. */
  async sendChat(text: string): Promise<void> {
    try {
      await this.room.localParticipant.sendChat(text);
    } catch (err) {
      toast(`Message not sent. ${describeRoomError(err)}`, { kind: 'error' });
      throw err;
    }
  }

  async copyLink(): Promise<void> {
    const link = roomLink(this.room.name);
    if (await copyText(link)) toast('Link copied', { kind: 'success', timeoutMs: 2500 });
    else toast(`Copy this link to invite others: ${link}`, { kind: 'info', timeoutMs: 15_000 });
  }

  /**
   * The microphone and camera published at join fail as `error` events, one after the other;
   * collect them briefly and say it once.
   */
  joinMediaFailed(err: ConfabError): void {
    this.joinFailures.set(mediaSourceOf(err) ?? 'camera', err);
    clearTimeout(this.joinFailureTimer);
    this.joinFailureTimer = setTimeout(() => {
      if (!this.closed) {
        const insecure = [...this.joinFailures.values()].some((e) => mediaFailure(e) === 'insecure_context');
        const guide = { label: 'Deployment guide', onClick: () => window.open(DEPLOY_GUIDE_PATH, '_blank', 'noopener') };
        toast(describeJoinMediaErrors(this.joinFailures), { kind: 'warning', timeoutMs: insecure ? 0 : 10_000, ...(insecure ? { actions: [guide] } : {}) });
      }
      this.joinFailures.clear();
    }, 400);
    this.changed();
  }

  private async run(source: MediaSource, action: () => Promise<void>): Promise<void> {
    if (this.busy.has(source) || this.closed) return;
    this.busy.add(source);
    try {
      await action();
    } catch (err) {
      // conflict: the join-time publish of this source is still in flight; it shows up by itself
      if (!this.closed && errorCode(err) !== 'conflict') {
        const message = describeMediaError(source, err, false);
        if (message) toast(message, { kind: 'error' });
      }
    } finally {
      this.busy.delete(source);
      if (!this.closed) this.changed();
    }
  }
}

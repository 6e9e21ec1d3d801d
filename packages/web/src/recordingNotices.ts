/**
 * What people are told about recording, by toast: that the meeting they enter is recorded (it
 * stays until they dismiss it), when a recording starts, and when it stops or fails.
 */
import type { Recording, RecordingStop } from '@confab/client';
import { recordedOnEntry, recordingEnded, recordingStarted } from './recordingWords';
import { toast } from './toast';

export class RecordingNotices {
  /** The "being recorded" notice still on screen, closed when the recording ends. */
  private closeRecorded: (() => void) | null = null;

  /** `selfId` tells "you started it" from someone else. */
  constructor(private readonly selfId: () => string) {}

  /** Entering a meeting: if it is recorded, say so before anything else is said. */
  entered(recording: Recording | null): void {
    if (recording) this.showRecorded(recordedOnEntry(recording));
  }

  changed(recording: Recording | null, stop: RecordingStop | undefined): void {
    this.closeRecorded?.();
    this.closeRecorded = null;
    if (recording) return this.showRecorded(recordingStarted(recording, this.selfId()));
    const ended = recordingEnded(stop);
    // A failure stays until dismissed: the moderator has something to fix (disk, folder).
    toast(ended.text, ended.failed ? { kind: 'error', timeoutMs: 0 } : { kind: 'info' });
  }

  destroy(): void {
    this.closeRecorded?.();
    this.closeRecorded = null;
  }

  private showRecorded(message: string): void {
    this.closeRecorded = toast(message, { kind: 'warning', timeoutMs: 0, actions: [{ label: 'OK', primary: true, onClick: () => undefined }] });
  }
}

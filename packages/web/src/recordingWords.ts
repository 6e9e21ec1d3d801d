/** What the app says about recording: as you enter, when it starts, when it stops or fails. */
import type { Recording, RecordingStop } from '@confab/client';
import { sentence } from './errors';

const WHAT_IT_MEANS = 'What you say and share is in the recording.';

/** Entering a meeting that is recorded. */
export function recordedOnEntry(recording: Recording): string {
  const by = recording.startedBy ? ` (started by ${recording.startedBy.name})` : '';
  return `This meeting is being recorded${by}. ${WHAT_IT_MEANS}`;
}

/** A recording started during the meeting; `selfId` tells "you" from someone else. */
export function recordingStarted(recording: Recording, selfId: string): string {
  const by = recording.startedBy;
  const who = !by ? 'Recording started.' : by.participantId === selfId ? 'You started recording.' : `${by.name} started recording.`;
  return `${who} ${WHAT_IT_MEANS}`;
}

/** A recording ended: stopped, failed (with the server's reason), or ended while we were away (no `stop`). */
export function recordingEnded(stop: RecordingStop | undefined): { text: string; failed: boolean } {
  if (stop?.reason !== 'failed') return { text: 'Recording stopped.', failed: false };
  const why = stop.error ? ` ${sentence(stop.error)}` : '';
  return { text: `The recording failed and stopped.${why} The call goes on.`, failed: true };
}

import type { WebhookEvent } from '@confab/protocol';

/*
 * Events that open something and the event that closes it again: a participant's joined and left,
 * a track's published and unpublished. A receiver must never get the closing event of something
 * whose opening event it did not get, so when an opening is dropped its closing is dropped too.
 * Both sides of a pair give the same key (ids are unique within a room sid).
 */

/** The pair key of a participant_joined or track_published; undefined for other events. */
export function openingKey(event: WebhookEvent): string | undefined {
  if (event.event === 'participant_joined' && event.participant) return `participant ${event.participant.id}`;
  if (event.event === 'track_published' && event.track) return `track ${event.track.id}`;
  return undefined;
}

/** The pair key of a participant_left or track_unpublished; undefined for other events. */
export function closingKey(event: WebhookEvent): string | undefined {
  if (event.event === 'participant_left' && event.participant) return `participant ${event.participant.id}`;
  if (event.event === 'track_unpublished' && event.track) return `track ${event.track.id}`;
  return undefined;
}

/** Test events for the webhook tests (not exported from the package). */
import type { TrackId, WebhookEvent, WebhookEventName } from '@confab/protocol';

/**
 * One life of a room that numbers its events 1, 2, 3... as the Room does. `about` names the
 * participant of a participant_* event, the track of a track_* event.
 */
export function roomLife(sid: string): (name: WebhookEventName, about?: string) => WebhookEvent {
  let seq = 0;
  return (name, about) => {
    seq += 1;
    const event: WebhookEvent = { id: `${sid}-${seq}`, event: name, room: { name: `room-${sid}`, sid }, seq, createdAt: Date.now(), node: 'test-node' };
    if (about !== undefined && name.startsWith('participant')) event.participant = { id: about, identity: about, name: about };
    if (about !== undefined && name.startsWith('track')) event.track = { id: about as TrackId, source: 'camera', kind: 'video', muted: false };
    return event;
  };
}

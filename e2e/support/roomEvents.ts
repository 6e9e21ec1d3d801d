/**
 * What a page's SDK reported, recorded in the page (EVENT_RECORDER, run once the room is joined),
 * and the page's own participant id: for tests of network loss and resume.
 */
import type { Page } from 'playwright-core';

/** Records, in the page, what its SDK reports about others (epoch ms). */
export const EVENT_RECORDER = `(() => {
  const room = window.confabRoom;
  const log = [];
  Object.defineProperty(window, '__e2eEvents', { value: log });
  room.on('participantLeft', (p, reason) => log.push({ at: Date.now(), type: 'left', name: p.name, reason }));
  room.on('participantJoined', (p) => log.push({ at: Date.now(), type: 'joined', name: p.name }));
  room.on('participantUpdated', (p) => log.push({ at: Date.now(), type: 'updated', name: p.name, connection: p.connection }));
  room.on('chatMessage', (m) => log.push({ at: Date.now(), type: 'chat', name: m.name, text: m.text }));
  room.on('reconnecting', (reason) => log.push({ at: Date.now(), type: 'reconnecting', name: '', text: reason }));
  room.on('reconnected', (resumed) => log.push({ at: Date.now(), type: 'reconnected', name: '', text: String(resumed) }));
})()`;

export interface RecordedEvent {
  at: number;
  type: 'left' | 'joined' | 'updated' | 'chat' | 'reconnecting' | 'reconnected';
  name: string;
  connection?: string;
  text?: string;
}

export async function events(page: Page): Promise<RecordedEvent[]> {
  return page.evaluate(() => (window as unknown as { __e2eEvents: RecordedEvent[] }).__e2eEvents.slice());
}

export async function selfId(page: Page): Promise<string> {
  return page.evaluate(() => (window as unknown as { confabRoom: { localParticipant: { id: string } } }).confabRoom.localParticipant.id);
}

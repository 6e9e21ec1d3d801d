import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Transport, TransportRole } from '../media/types';
import { ParticipantTransports } from './ParticipantTransports';

function recording() {
  const made: { role: TransportRole; closed: boolean }[] = [];
  const create = (role: TransportRole) => {
    const record = { role, closed: false };
    made.push(record);
    return { role, close: () => void (record.closed = true) } as unknown as Transport;
  };
  return { made, transports: new ParticipantTransports(create) };
}

test('each transport is made on its first use, once', () => {
  const { made, transports } = recording();
  assert.deepEqual(transports.created, { publish: false, subscribe: false });
  assert.equal(made.length, 0);
  const first = transports.publishing;
  assert.equal(transports.publishing, first);
  assert.equal(transports.open('publish'), first);
  assert.deepEqual(made.map((m) => m.role), ['publish']);
  assert.equal(transports.subscribing.role, 'subscribe');
  assert.deepEqual(transports.created, { publish: true, subscribe: true });
});

test('closing closes what was made and makes nothing afterwards', () => {
  const { made, transports } = recording();
  void transports.subscribing;
  transports.close();
  transports.close();
  assert.deepEqual(made, [{ role: 'subscribe', closed: true }]);
  assert.throws(() => transports.publishing, { code: 'conflict' });
  assert.equal(made.length, 1, 'a late command brings no transport back');
});

test('a router that cannot make one throws through, and the next use tries again', () => {
  let full = true;
  const transports = new ParticipantTransports((role) => {
    if (full) throw Object.assign(new Error('no free media ports'), { code: 'unavailable' });
    return { role, close() {} } as unknown as Transport;
  });
  assert.throws(() => transports.publishing, { code: 'unavailable' });
  full = false;
  assert.equal(transports.publishing.role, 'publish');
});

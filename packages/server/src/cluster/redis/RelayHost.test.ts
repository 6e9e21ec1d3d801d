import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { encodeMessage, type ParticipantId, type RoomName } from '@confab/protocol';
import { createLogger } from '../../service/logger';
import type { RoutedSession } from '../RoomRouter';
import type { NodeInstance } from './nodeIds';
import type { RelayBus } from './RelayBus';
import { RelayHost } from './RelayHost';

const EDGE = 'node-b#0000000b' as NodeInstance;
const logger = createLogger('silent', 'node-a');

/** A RelayHost with `count` sessions relayed from EDGE; `detached` lists, per detach, the event-loop turn it came in. */
async function hostWith(count: number) {
  let turn = 0;
  const detached: number[] = [];
  const bus = { post: async () => true } as unknown as RelayBus;
  const host = new RelayHost(
    bus,
    async (request) => {
      const session: RoutedSession = {
        room: request.room as RoomName,
        participantId: `PA_${detached.length}` as ParticipantId,
        send: async () => true,
        acknowledge: () => undefined,
        close: async () => undefined,
        detach: async () => void detached.push(turn),
      };
      return session;
    },
    logger,
  );
  for (let i = 0; i < count; i++) {
    const request = encodeMessage({ type: 'join', id: 1, v: 1, room: 'big' as RoomName, name: `P${i}` });
    host.receive(EDGE, { kind: 'connect', link: `${EDGE}.${i}`, request });
  }
  await nextTurn();
  // Counts turns of the event loop: one immediate per turn, each scheduling the next.
  let ticking = true;
  const tick = () => {
    turn++;
    if (ticking) setImmediate(tick);
  };
  setImmediate(tick);
  return { host, detached, stop: () => (ticking = false) };
}

test('a dead edge\'s sessions are detached one per event-loop turn, so timers and sockets are served in between', async () => {
  const { host, detached, stop } = await hostWith(50);
  assert.equal(host.edges().size, 1);
  await host.edgeDied(EDGE);
  stop();
  assert.equal(detached.length, 50);
  assert.equal(new Set(detached).size, detached.length, `turns of the detaches: ${detached.join(',')}`);
  assert.equal(host.edges().size, 0);
});

test('the registry reporting the same dead edge again meanwhile detaches nobody twice', async () => {
  const { host, detached, stop } = await hostWith(20);
  await Promise.all([host.edgeDied(EDGE), host.edgeDied(EDGE), host.edgeDied(EDGE)]);
  stop();
  assert.equal(detached.length, 20);
});

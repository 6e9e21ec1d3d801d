/**
 * SIGTERM end to end (docs/reliability.md "Isolation and shutdown"): the real server process
 * (main.ts) stops taking joins and connections at once, tells every client `shutdown{seconds}`,
 * and closes them and exits cleanly once the grace period is over.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ServerProcess, waitUntil } from '@confab/loadtest';
import { WsClient } from './support/wsClient';

const GRACE_SECONDS = 2;

test('SIGTERM: shutdown{seconds} to everyone, joins refused with unavailable, sockets closed with 1001 after the grace period, exit 0', async () => {
  const server = await ServerProcess.start({ env: { CONFAB_SHUTDOWN_GRACE_SECONDS: String(GRACE_SECONDS) } });
  try {
    const [ann, bob, carl] = [await WsClient.open(server.rtcUrl), await WsClient.open(server.rtcUrl), await WsClient.open(server.rtcUrl)];
    await ann.join('standup', 'Ann');

    const signalledAt = Date.now();
    process.kill(server.pid, 'SIGTERM');
    for (const c of [ann, bob, carl]) assert.deepEqual(await c.next('shutdown'), { type: 'shutdown', seconds: GRACE_SECONDS });

    // Joins are refused at once, into the room that exists as into a new one.
    bob.send({ type: 'join', id: 1, v: 1, room: 'standup', name: 'Bob' });
    carl.send({ type: 'join', id: 1, v: 1, room: 'fresh', name: 'Carl' });
    for (const c of [bob, carl]) {
      assert.deepEqual(await c.next('error', (m) => m.id === 1), { type: 'error', id: 1, code: 'unavailable', message: 'server is shutting down' });
    }
    await assert.rejects(WsClient.open(server.rtcUrl), /Unexpected server response: 503/, 'no new connections');
    assert.equal((await fetch(`${server.httpBase}/healthz`)).status, 503, 'health says draining, so a balancer moves traffic away');
    // The call in progress is left alone until the grace period is over.
    ann.send({ type: 'status', id: 2, status: 'away' });
    await ann.next('ack', (m) => m.id === 2);

    const codes = await Promise.all([ann, bob, carl].map((c) => c.closed()));
    const closedAfterMs = Date.now() - signalledAt;
    assert.deepEqual(codes, [1001, 1001, 1001]);
    assert.ok(closedAfterMs >= GRACE_SECONDS * 1000 - 100, `closed ${closedAfterMs} ms after SIGTERM, before the ${GRACE_SECONDS} s grace period`);
    await waitUntil(() => !server.running, 10_000, 'the server process exits');
    assert.equal(server.exitCode, 0);
    assert.deepEqual([ann, bob, carl].flatMap((c) => c.invalid), [], 'every server message validates');
  } finally {
    await server.stop();
  }
});

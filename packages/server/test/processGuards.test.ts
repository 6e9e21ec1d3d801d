/**
 * The process-level guards (docs/reliability.md "Isolation and shutdown"): an exception nobody
 * catches and a rejection nobody handles, thrown inside the real server process, are logged and
 * counted, and the node carries on: the call in progress keeps forwarding and new joins work.
 * Without the guards Node would exit on either.
 */
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { HeadlessParticipant, ServerProcess, sleep, waitUntil } from '@confab/loadtest';
import { WsClient } from './support/wsClient';

const T = 15_000;
const faults = fileURLToPath(new URL('./support/processFaults.ts', import.meta.url));

test('an uncaught exception and an unhandled rejection are logged and counted; the call carries on', async () => {
  const server = await ServerProcess.start({ env: { NODE_OPTIONS: `--import tsx --import ${faults}` } });
  const alice = new HeadlessParticipant({ url: server.rtcUrl, room: 'call', name: 'Alice' });
  const bob = new HeadlessParticipant({ url: server.rtcUrl, room: 'call', name: 'Bob' });
  try {
    await alice.join();
    await bob.join();
    await alice.publishCamera();
    await waitUntil(() => (bob.receivedPackets()[0] ?? 0) > 20, T, 'the call is forwarding');

    process.kill(server.pid, 'SIGUSR2');
    await waitUntil(
      () => server.output.some((l) => l.includes('uncaught exception; the node carries on')) && server.output.some((l) => l.includes('unhandled rejection; the node carries on')),
      T,
      () => `both errors logged:\n${server.output.slice(-10).join('\n')}`,
    );
    const metrics = await server.metrics();
    assert.equal(metrics.get('confab_process_errors_total{kind="uncaught_exception"}'), 1);
    assert.equal(metrics.get('confab_process_errors_total{kind="unhandled_rejection"}'), 1);
    assert.ok(server.output.some((l) => l.includes('injected uncaught exception')), 'the log carries the error itself');

    await sleep(500);
    assert.ok(server.running, 'the server process is still running');
    const before = bob.receivedPackets()[0]!;
    await waitUntil(() => bob.receivedPackets()[0]! > before + 50, T, 'the call keeps forwarding');
    assert.deepEqual([...alice.errors, ...bob.errors], []);
    const carol = await WsClient.open(server.rtcUrl);
    const joined = await carol.join('call', 'Carol');
    assert.deepEqual(joined.participants.map((p) => p.name).sort(), ['Alice', 'Bob']);
    carol.close();
  } finally {
    await Promise.all([alice.close(), bob.close()]);
    await server.stop();
  }
});

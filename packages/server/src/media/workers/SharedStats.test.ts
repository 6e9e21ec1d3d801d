import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Worker } from 'node:worker_threads';
import { SharedStats, ZERO_COUNTERS, addCounters } from './SharedStats';

test("a worker's counters are readable on the main thread without a message, and outlive the worker", async () => {
  const stats = new SharedStats();
  assert.deepEqual(stats.read(), { ...ZERO_COUNTERS });
  // A plain-JS worker writes the same layout SharedStats uses: seven Float64 in field order.
  const worker = new Worker('new Float64Array(require("node:worker_threads").workerData).set([10, 320, 400000, 40, 2, 1.5, 0.25])', { eval: true, workerData: stats.buffer });
  await new Promise((resolve) => worker.once('exit', resolve));
  assert.deepEqual(stats.read(), {
    rtpPacketsReceived: 10,
    rtpPacketsForwarded: 320,
    rtpBytesForwarded: 400000,
    pacerQueuedPackets: 40,
    pacerDroppedPackets: 2,
    cpuSeconds: 1.5,
    cpuSystemSeconds: 0.25,
  });
  assert.deepEqual(addCounters(stats.read(), stats.read()).rtpPacketsForwarded, 640);
  assert.throws(() => new SharedStats(new SharedArrayBuffer(8)), RangeError);
});

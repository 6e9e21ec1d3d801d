import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Worker } from 'node:worker_threads';
import { MediaCounters } from '../MediaCounters';
import { SharedStats, ZERO_COUNTERS, addCounters } from './SharedStats';
import { threadCpuSeconds, threadSystemCpuSeconds } from './threadCpu';

test("a worker's packet counters are readable on the main thread without a message, and outlive the worker", async () => {
  const stats = new SharedStats();
  assert.deepEqual(stats.read(), { rtpPacketsReceived: 0, rtpPacketsForwarded: 0, rtpBytesForwarded: 0, pacerQueuedPackets: 0, pacerDroppedPackets: 0 });
  // A plain-JS worker writes the layout MediaCounters counts into: five Float64 in field order.
  const worker = new Worker('new Float64Array(require("node:worker_threads").workerData).set([10, 320, 400000, 40, 2])', { eval: true, workerData: stats.buffer });
  await new Promise((resolve) => worker.once('exit', resolve));
  assert.deepEqual(stats.read(), { rtpPacketsReceived: 10, rtpPacketsForwarded: 320, rtpBytesForwarded: 400000, pacerQueuedPackets: 40, pacerDroppedPackets: 2 });
  const once = { ...ZERO_COUNTERS, ...stats.read(), cpuSeconds: 1.5 };
  assert.deepEqual(addCounters(once, once), { ...ZERO_COUNTERS, rtpPacketsReceived: 20, rtpPacketsForwarded: 640, rtpBytesForwarded: 800000, pacerQueuedPackets: 80, pacerDroppedPackets: 4, cpuSeconds: 3 });
  assert.throws(() => new SharedStats(new SharedArrayBuffer(8)), RangeError);
});

test('an engine counting into shared memory is what the main thread reads, at once', () => {
  const stats = new SharedStats();
  const counters = new MediaCounters(new Float64Array(stats.buffer));
  counters.rtpPacketsReceived++;
  counters.rtpPacketsForwarded += 3;
  counters.rtpBytesForwarded += 3000;
  counters.pacerQueuedPackets += 4;
  counters.pacerDroppedPackets += 2;
  assert.deepEqual(stats.read(), { rtpPacketsReceived: 1, rtpPacketsForwarded: 3, rtpBytesForwarded: 3000, pacerQueuedPackets: 4, pacerDroppedPackets: 2 });
  assert.equal(counters.snapshot().rtpBytesForwarded, 3000);
  assert.throws(() => new MediaCounters(new Float64Array(4)), RangeError);
});

test("another thread's CPU time is read from /proc while it runs, and nothing once it has ended", { skip: process.platform !== 'linux' }, async () => {
  // The worker spins until it has used 50 ms of CPU by its own count, then tells its kernel thread id and waits to be let go.
  const worker = new Worker(
    `const { parentPort } = require('node:worker_threads');
     const { readFileSync } = require('node:fs');
     while (Number(readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ', 1)[0]) < 50e6);
     parentPort.postMessage(Number(readFileSync('/proc/thread-self/stat', 'utf8').split(' ', 1)[0]));
     parentPort.once('message', () => process.exit(0));`,
    { eval: true },
  );
  const tid = await new Promise<number>((resolve) => worker.once('message', resolve));
  const cpu = threadCpuSeconds(tid);
  assert.ok(cpu !== null && cpu >= 0.05 && cpu < 5, `worker CPU ${cpu} s`);
  assert.ok(threadSystemCpuSeconds(tid) !== null);
  worker.postMessage('go');
  await new Promise((resolve) => worker.once('exit', resolve));
  assert.equal(threadCpuSeconds(tid), null);
  assert.equal(threadSystemCpuSeconds(tid), null);
});

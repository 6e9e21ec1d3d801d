import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { PerformanceObserver } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import { IceRegistry } from './IceRegistry';
import { IceTestPeer } from './testing/IceTestPeer';
import { RecordingOwner } from './testing/RecordingOwner';
import { collectGarbage, kernelSkip, openMux, quiet, RTP, until } from './testing/udpMuxTesting';
import type { UdpMux } from './UdpMux';

/**
 * Garbage per received datagram, counted as young-generation collections. A file of its own: in
 * a process that ran UdpMux.test.ts's other tests first, the kernel path's window saw 1-2
 * collections that were not its own (0 in a fresh process, every time, at any load).
 */

let registry: IceRegistry;
let mux: UdpMux;

for (const mode of ['dgram', 'kernel'] as const) describe(`UdpMux (${mode} receive): garbage`, { skip: mode === 'kernel' ? kernelSkip : false }, () => {
  before(async () => {
    registry = new IceRegistry();
    mux = await openMux(mode, registry);
  });
  after(async () => {
    await mux.close();
  });

  test(mode === 'kernel'
    ? 'receiving allocates nothing per datagram: no garbage collection over 50,000 datagrams'
    : 'receiving through dgram: the garbage collections over 50,000 datagrams, measured', async (t) => {
    const owner = new RecordingOwner(registry);
    owner.record = false;
    const p = await IceTestPeer.udp(mux.port);
    await p.check({ serverUfrag: owner.ufrag, serverPassword: owner.password, useCandidate: true });
    // Another thread sends from the validated address (its own heap: its garbage is not counted here).
    const port = p.localPort;
    p.close();
    const sender = new Worker(
      `
      const { parentPort, workerData } = require('node:worker_threads');
      const socket = require('node:dgram').createSocket('udp4');
      socket.bind(workerData.port, '127.0.0.1', () => socket.connect(workerData.muxPort, '127.0.0.1', () => {
        const packet = Buffer.from(workerData.rtp);
        const pause = new Int32Array(new SharedArrayBuffer(4));
        parentPort.on('message', (count) => {
          for (let i = 0; i < count; i++) {
            socket.send(packet);
            if (i % 200 === 199) Atomics.wait(pause, 0, 0, 1); // stay under the socket buffer
          }
          parentPort.postMessage('sent');
        });
        parentPort.postMessage('ready');
      }));
      `,
      { eval: true, workerData: { port, muxPort: mux.port, rtp: RTP } },
    );
    const send = (count: number) =>
      new Promise((resolve, reject) => {
        sender.once('message', resolve);
        sender.once('error', reject);
        if (count > 0) sender.postMessage(count);
      });
    let collections = 0;
    const kinds: number[] = [];
    const observer = new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) {
        collections++;
        kinds.push((entry as PerformanceEntry & { detail: { kind: number } }).detail.kind);
      }
    });
    try {
      await send(0);
      await send(10_000); // warm-up: compile the path
      await until(() => owner.received >= 8_000, 'the warm-up', 10_000);
      await quiet();
      collectGarbage(); // start with an empty young generation: what follows is ours
      const warm = owner.received;
      observer.observe({ entryTypes: ['gc'] });
      await send(50_000);
      await until(() => owner.received - warm >= 40_000, '40,000 of 50,000 datagrams', 10_000);
      await quiet();
      observer.disconnect();
      t.diagnostic(`[measure] udp_${mode}_receive_gcs=${collections} datagrams=${owner.received - warm} kinds=${kinds}`);
      // dgram's Buffer, rinfo and address string per datagram: 4-5 young-generation collections here.
      // The kernel path allocates nothing per datagram or batch (0 when this test runs alone); one
      // is allowed for the test runner's and other tests' timers in the same thread.
      if (mode === 'kernel') assert.ok(collections <= 1, `${collections} collections`);
    } finally {
      observer.disconnect();
      await sender.terminate();
      owner.endpoint.close();
    }
  });
});

import assert from 'node:assert/strict';
import { createSocket, type Socket } from 'node:dgram';
import { describe, test } from 'node:test';
import { Worker } from 'node:worker_threads';
import { nativeUdpReceive, stopDgramReceive, udpSocketFd } from '@confab/srtp';
import { UdpBatchReceiver } from './UdpBatchReceiver';

/**
 * The native batched receive on real loopback sockets. The sender is another thread, so it keeps
 * its 5 ms pace while this thread's event loop is blocked, as a media worker is when it is busy.
 */

const receive = nativeUdpReceive();
const PACKETS = 16;
const SPACING_MS = 5;
const BATCH = 8; // smaller than PACKETS: one wake-up reads several batches

interface Got {
  index: number;
  payload: Buffer;
  ip4: number;
  port: number;
  arrivalMs: number;
  /** performance.now() when JavaScript saw it: what a JavaScript stamp would be. */
  seenMs: number;
}

/** A worker thread that, once told, sends PACKETS datagrams SPACING_MS apart and reports each send's time (CLOCK_MONOTONIC ms). */
function pacedSender(port: number): Promise<{ go: () => Promise<{ sentAt: number[]; localPort: number }>; done: () => Promise<number> }> {
  const worker = new Worker(
    `
    const { parentPort, workerData } = require('node:worker_threads');
    const dgram = require('node:dgram');
    const socket = dgram.createSocket('udp4');
    // Connected, so that send() is synchronous (no address lookup deferred past the paced loop).
    socket.connect(workerData.port, '127.0.0.1', () => {
      parentPort.postMessage({ ready: true });
      parentPort.once('message', () => {
        const sentAt = [];
        const sleeper = new Int32Array(new SharedArrayBuffer(4));
        for (let i = 0; i < workerData.packets; i++) {
          if (i > 0) Atomics.wait(sleeper, 0, 0, workerData.spacingMs);
          const payload = Buffer.alloc(100 + i * 37, i);
          payload.writeUInt16BE(i, 0);
          sentAt.push(Number(process.hrtime.bigint()) / 1e6);
          socket.send(payload);
        }
        setTimeout(() => parentPort.postMessage({ sentAt, localPort: socket.address().port }), 20);
      });
    });
    `,
    { eval: true, workerData: { port, packets: PACKETS, spacingMs: SPACING_MS } },
  );
  return new Promise((resolve, reject) => {
    worker.once('error', reject);
    worker.once('message', () =>
      resolve({
        go: () => {
          const report = new Promise<{ sentAt: number[]; localPort: number }>((res) => worker.once('message', res));
          worker.postMessage('go');
          return report;
        },
        done: () => worker.terminate(),
      }),
    );
  });
}

async function boundSocket(): Promise<Socket> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  return socket;
}

function startOn(socket: Socket, got: Got[], onBatchEnd = () => {}): UdpBatchReceiver {
  assert.ok(stopDgramReceive(socket));
  const receiver: UdpBatchReceiver = new UdpBatchReceiver(
    receive!,
    udpSocketFd(socket)!,
    (buf, length, ip4, port) => got.push({ index: buf.readUInt16BE(0), payload: Buffer.from(buf.subarray(0, length)), ip4, port, arrivalMs: receiver.arrivalMs, seenMs: performance.now() }),
    onBatchEnd,
    BATCH,
  );
  return receiver;
}

const until = async (condition: () => boolean, what: string) => {
  const deadline = Date.now() + 2000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
};

const median = (values: number[]) => [...values].sort((a, b) => a - b)[values.length >> 1]!;

describe('UdpBatchReceiver (native recvmmsg with kernel receive times)', { skip: receive === null ? 'the native receive is not in use here' : false }, () => {
  test('packets sent 5 ms apart while this thread is blocked for 100 ms keep their spacing; payloads, addresses and order intact', async (t) => {
    const socket = await boundSocket();
    const got: Got[] = [];
    let batches = 0;
    const receiver = startOn(socket, got, () => batches++);
    const sender = await pacedSender(socket.address().port);
    try {
      const report = sender.go();
      const blockedUntil = performance.now() + 100; // the media thread, busy: the burst (75 ms) queues in the kernel
      while (performance.now() < blockedUntil);
      const { sentAt, localPort } = await report;
      await until(() => got.length === PACKETS, `${PACKETS} datagrams`);

      assert.deepEqual(got.map((g) => g.index), [...Array(PACKETS).keys()], 'order kept');
      for (const g of got) {
        assert.deepEqual(g.payload, (() => { const p = Buffer.alloc(100 + g.index * 37, g.index); p.writeUInt16BE(g.index, 0); return p; })());
        assert.equal(g.ip4, 0x7f000001);
        assert.equal(g.port, localPort);
      }
      assert.ok(batches >= Math.ceil(PACKETS / BATCH), `${batches} batches of at most ${BATCH}`);

      const gaps = (times: number[]) => times.slice(1).map((x, i) => x - times[i]!);
      const sentGaps = gaps(sentAt);
      const kernelGaps = gaps(got.map((g) => g.arrivalMs));
      const jsGaps = gaps(got.map((g) => g.seenMs));
      t.diagnostic(`[measure] rx_sent_gap_median_ms=${median(sentGaps).toFixed(3)} rx_kernel_gap_median_ms=${median(kernelGaps).toFixed(3)} rx_js_gap_median_ms=${median(jsGaps).toFixed(3)}`);
      // The kernel's times follow the sender's pace, packet by packet (on a loaded machine the
      // sender may be preempted between reading its clock and sending: a few gaps may differ)...
      const matching = kernelGaps.filter((gap, i) => Math.abs(gap - sentGaps[i]!) < 1).length;
      assert.ok(matching >= 0.8 * kernelGaps.length, `${matching}/${kernelGaps.length} gaps as sent: kernel ${kernelGaps.map((g) => g.toFixed(2))}, sent ${sentGaps.map((g) => g.toFixed(2))}`);
      assert.ok(median(kernelGaps) > SPACING_MS - 1, `kernel gaps ${median(kernelGaps).toFixed(3)} ms`);
      // ...where JavaScript, reading the queue in one go after the block, saw them all at once.
      assert.ok(median(jsGaps) < 0.5, `JavaScript saw the queued packets ${median(jsGaps).toFixed(3)} ms apart`);
      // And on performance.now()'s clock: after the burst was sent, before JavaScript saw it.
      for (const g of got) assert.ok(g.arrivalMs <= g.seenMs && g.seenMs - g.arrivalMs < 1000, `arrival ${g.arrivalMs} seen ${g.seenMs}`);
    } finally {
      await sender.done();
      receiver.stop();
      socket.close();
    }
  });

  test('a datagram larger than its slot comes with length 0 and is counted; the next one arrives whole', async () => {
    const socket = await boundSocket();
    const got: Got[] = [];
    const receiver = startOn(socket, got);
    const tx = await boundSocket();
    try {
      tx.send(Buffer.alloc(4000, 1), socket.address().port, '127.0.0.1');
      tx.send(Buffer.from([0, 7, 9]), socket.address().port, '127.0.0.1');
      await until(() => got.length === 2, 'both datagrams');
      assert.equal(got[0]!.payload.length, 0);
      assert.deepEqual(got[1]!.payload, Buffer.from([0, 7, 9]));
      assert.equal(receiver.truncated, 1);
    } finally {
      receiver.stop();
      tx.close();
      socket.close();
    }
  });

  test('stopped from inside a batch, it hands over nothing more: not the rest of that batch, not later datagrams', async () => {
    const socket = await boundSocket();
    const got: Got[] = [];
    const tx = await boundSocket();
    const port = socket.address().port;
    let receiver: UdpBatchReceiver | undefined;
    try {
      // Stop from inside the handler after the third datagram: the rest of the batch is not handed over.
      assert.ok(stopDgramReceive(socket));
      receiver = new UdpBatchReceiver(receive!, udpSocketFd(socket)!, (buf) => {
        got.push({ index: buf.readUInt16BE(0), payload: Buffer.alloc(0), ip4: 0, port: 0, arrivalMs: 0, seenMs: 0 });
        if (got.length === 3) receiver!.stop();
      }, () => {}, BATCH);
      for (let i = 0; i < 6; i++) tx.send(Buffer.from([0, i]), port, '127.0.0.1');
      await until(() => got.length >= 3, 'three datagrams');
      assert.equal(receiver.running, false);
      tx.send(Buffer.from([0, 99]), port, '127.0.0.1');
      await new Promise((resolve) => setTimeout(resolve, 100));
      assert.deepEqual(got.map((g) => g.index), [0, 1, 2]);
      receiver.stop(); // twice is fine
    } finally {
      tx.close();
      socket.close();
    }
  });

  test('a worker thread that ends with its receive still running exits cleanly', async () => {
    const worker = new Worker(
      `
      const { parentPort, workerData } = require('node:worker_threads');
      import('tsx/esm/api')
        .then(({ tsImport }) => Promise.all([tsImport('@confab/srtp', workerData.parent), tsImport(workerData.receiver, workerData.parent)]))
        .then(([srtp, { UdpBatchReceiver }]) => {
          const socket = require('node:dgram').createSocket('udp4');
          socket.bind(0, '127.0.0.1', () => {
            srtp.stopDgramReceive(socket);
            new UdpBatchReceiver(srtp.nativeUdpReceive(), srtp.udpSocketFd(socket), () => parentPort.postMessage('packet'), () => {});
            parentPort.postMessage(socket.address().port);
          });
        });
      `,
      { eval: true, workerData: { parent: import.meta.url, receiver: new URL('./UdpBatchReceiver.ts', import.meta.url).href } },
    );
    const port = await new Promise<number>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
    const tx = await boundSocket();
    try {
      const packet = new Promise((resolve) => worker.once('message', resolve));
      tx.send(Buffer.from([0, 1]), port, '127.0.0.1');
      assert.equal(await packet, 'packet');
      assert.equal(await worker.terminate(), 1);
    } finally {
      tx.close();
    }
  });
});

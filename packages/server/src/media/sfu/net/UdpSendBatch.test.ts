import assert from 'node:assert/strict';
import { createSocket, type Socket } from 'node:dgram';
import { test } from 'node:test';
import { nativeUdpBatchSend, udpSocketFd } from '@confab/srtp';
import { PacketSlots } from '../PacketSlots';
import { UdpSendBatch } from './UdpSendBatch';

const sendBatch = nativeUdpBatchSend();
const skip = sendBatch === null ? 'the native core is not in use' : false;

async function bound(): Promise<Socket> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  return socket;
}

test('sendBatch drops malformed entries alone and sends the rest; a bad fd or count sends nothing', { skip }, async () => {
  const [sender, receiver] = [await bound(), await bound()];
  const got: Buffer[] = [];
  receiver.on('message', (buf) => got.push(buf));
  try {
    const fd = udpSocketFd(sender);
    assert.ok(fd !== null);
    const memory = Buffer.alloc(4096, 7);
    memory.write('first', 0);
    memory.write('last', 4000);
    const port = receiver.address().port;
    const loopback = 0x7f000001;
    const table = Int32Array.from([
      0, 5, loopback, port,
      -1, 5, loopback, port, // negative offset
      4090, 100, loopback, port, // runs past the memory
      10, 0, loopback, port, // empty
      10, 5, loopback, 0, // port 0
      10, 5, loopback, 70000, // port out of range
      4000, 4, loopback, port,
    ]);
    assert.equal(sendBatch!(fd!, memory, table, 7), 2);
    assert.equal(sendBatch!(fd!, memory, table, 100), 2, 'count beyond the table is clamped');
    assert.equal(sendBatch!(-1, memory, table, 7), 0);
    assert.equal(sendBatch!(fd!, memory, table, 0), 0);
    const deadline = Date.now() + 2000;
    while (got.length < 4 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    assert.deepEqual(got.map(String), ['first', 'last', 'first', 'last']);
  } finally {
    sender.close();
    receiver.close();
  }
});

test('UdpSendBatch flushes by itself when full, copies in what is not in a slot, and counts what the kernel refused', { skip }, async () => {
  const [sender, receiver] = [await bound(), await bound()];
  let received = 0;
  receiver.on('message', () => received++);
  try {
    const slots = new PacketSlots(512, 1500);
    const batch = new UdpSendBatch(sendBatch!, udpSocketFd(sender)!, slots);
    const port = receiver.address().port;
    for (let i = 0; i < 299; i++) assert.ok(batch.add(slots.take(), 100, 0x7f000001, port));
    assert.equal(batch.pending, 299 - 256, 'the first 256 went when the table filled');
    const outside = Buffer.alloc(120, 7);
    assert.ok(batch.add(outside, 100, 0x7f000001, port), 'a buffer outside the slots is copied into one');
    assert.deepEqual(slots.at(299).subarray(0, 100), outside.subarray(0, 100));
    assert.equal(batch.add(Buffer.alloc(1501), 1501, 0x7f000001, port), false, 'one larger than a slot is not taken');
    // The receiver drains between the two sends (its default buffer holds ~270 such datagrams).
    const until = async (n: number) => {
      const deadline = Date.now() + 2000;
      while (received < n && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      assert.equal(received, n);
    };
    await until(256);
    batch.flush();
    assert.equal(batch.pending, 0);
    await until(300);
    assert.equal(batch.dropped, 0);
  } finally {
    sender.close();
    receiver.close();
  }
});

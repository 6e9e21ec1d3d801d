import assert from 'node:assert/strict';
import { createSocket, type Socket } from 'node:dgram';
import { test } from 'node:test';
import { createSrtpSession, nativeUdpBatchSend, udpSocketFd } from '@confab/srtp';
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
      0, 5, loopback, port, -1, 0,
      -1, 5, loopback, port, -1, 0, // negative offset
      4090, 100, loopback, port, -1, 0, // runs past the memory
      10, 0, loopback, port, -1, 0, // empty
      10, 5, loopback, 0, -1, 0, // port 0
      10, 5, loopback, 70000, -1, 0, // port out of range
      4000, 4, loopback, port, -1, 0,
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

test('a packet collected before its seal leaves sealed as protectRtp seals it; one whose session closed meanwhile is dropped', { skip }, async () => {
  const [sender, receiver] = [await bound(), await bound()];
  const got: Buffer[] = [];
  receiver.on('message', (buf) => got.push(buf));
  try {
    const keys = { localKey: Buffer.alloc(16, 1), localSalt: Buffer.alloc(12, 2), remoteKey: Buffer.alloc(16, 3), remoteSalt: Buffer.alloc(12, 4) };
    const deferred = createSrtpSession({ ...keys, profile: 'AEAD_AES_128_GCM', backend: 'native' });
    const closing = createSrtpSession({ ...keys, profile: 'AEAD_AES_128_GCM', backend: 'native' });
    const reference = createSrtpSession({ ...keys, profile: 'AEAD_AES_128_GCM', backend: 'ts' });
    const slots = new PacketSlots(64, 1500);
    const batch = new UdpSendBatch(sendBatch!, udpSocketFd(sender)!, slots);
    const port = receiver.address().port;
    const expected: Buffer[] = [];
    for (let seq = 0xfffe; seq <= 0x10001; seq++) {
      const slot = slots.take();
      const plain = Buffer.alloc(200, seq & 0xff);
      plain.set([0x80, 96, (seq >> 8) & 0xff, seq & 0xff, 0, 0, 0, 1, 0, 0, 0, 42]);
      plain.copy(slot);
      assert.ok(batch.addToSeal(slot, plain.length, 0x7f000001, port, deferred.rtpSealId, deferred.prepareRtp(slot, plain.length)));
      const copy = Buffer.alloc(300);
      plain.copy(copy);
      expected.push(copy.subarray(0, reference.protectRtp(copy, plain.length)));
    }
    const orphan = slots.take();
    orphan.fill(1, 0, 100)[0] = 0x80;
    assert.ok(batch.addToSeal(orphan, 100, 0x7f000001, port, closing.rtpSealId, closing.prepareRtp(orphan, 100)));
    closing.close();
    assert.equal(batch.addToSeal(Buffer.alloc(300), 100, 0x7f000001, port, deferred.rtpSealId, 0), false, 'a buffer outside the slots is not taken');
    batch.flush();
    const deadline = Date.now() + 2000;
    while (got.length < expected.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    assert.deepEqual(got, expected);
    assert.equal(batch.dropped, 1, 'the closed session\'s packet');
  } finally {
    sender.close();
    receiver.close();
  }
});

test('entries another writer put in the shared table (the native fan-out) go with the batch, and a full table is sent before the next add', { skip }, async () => {
  const [sender, receiver] = [await bound(), await bound()];
  const got: string[] = [];
  receiver.setRecvBufferSize(4 * 1024 * 1024); // room for the whole table at once
  receiver.on('message', (buf) => got.push(String(buf)));
  try {
    const slots = new PacketSlots(512, 1500);
    const batch = new UdpSendBatch(sendBatch!, udpSocketFd(sender)!, slots);
    const port = receiver.address().port;
    const capacity = batch.queueState[1]!;
    assert.equal(batch.table.length, capacity * 6);
    // As NativeRtpFanout does: entries at the count, the count moved on, up to the capacity.
    for (let i = 0; i < capacity; i++) {
      const slot = slots.take();
      const n = slot.write(`native ${i}`);
      batch.table.set([slot.byteOffset - slots.memory.byteOffset, n, 0x7f000001, port, -1, 0], i * 6);
    }
    batch.queueState[0] = capacity;
    assert.equal(batch.pending, capacity);
    const own = slots.take();
    assert.ok(batch.add(own, own.write('after'), 0x7f000001, port));
    assert.equal(batch.pending, 1, 'the full table went first');
    batch.flush();
    assert.equal(batch.queueState[0], 0);
    const deadline = Date.now() + 2000;
    while (got.length < capacity + 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    assert.equal(got.length, capacity + 1);
    assert.equal(got[0], 'native 0');
    assert.equal(got.at(-1), 'after');
  } finally {
    sender.close();
    receiver.close();
  }
});

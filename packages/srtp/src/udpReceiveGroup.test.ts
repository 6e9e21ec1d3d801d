/**
 * The native receive group (native/udp_recv.c) on real loopback sockets: one poll for many
 * sockets, every ready socket read at a wake-up and each datagram handed over with its socket's
 * member id and kernel arrival time; batches no larger than the slots, a member removed gets
 * nothing more, and nothing after stop. A group on a clock is woken by no datagram.
 */
import assert from 'node:assert/strict';
import { createSocket, type Socket } from 'node:dgram';
import { test } from 'node:test';
import { nativeUdpReceive } from './backend';
import { stopDgramReceive, udpSocketFd } from './udpSocketFd';

const receive = nativeUdpReceive();
const skip = receive === null ? 'the native receive is not in use' : false;
const SLOT = 256;
const FIELDS = 4;

interface Got {
  member: number;
  text: string;
  arrivalMs: number;
}

async function boundSocket(): Promise<Socket> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  assert.ok(stopDgramReceive(socket) !== null);
  return socket;
}

const monotonicMs = () => Number(process.hrtime.bigint()) / 1e6;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A group over `slots` slots (read every `clockMs`, if given) that records every datagram, when it came to JavaScript and each batch's size. */
function recordingGroup(slots: number, clockMs?: number) {
  const memory = Buffer.alloc(slots * SLOT);
  const table = new Int32Array(slots * FIELDS);
  const stamps = new Float64Array(slots);
  const got: Array<Got & { deliveredMs: number }> = [];
  const batches: number[] = [];
  const handle = receive!.startGroup(
    memory,
    SLOT,
    table,
    stamps,
    (count) => {
      batches.push(count);
      const deliveredMs = monotonicMs();
      for (let i = 0; i < count; i++) {
        const length = table[i * FIELDS]!;
        got.push({ member: table[i * FIELDS + 3]!, text: memory.subarray(i * SLOT, i * SLOT + length).toString(), arrivalMs: stamps[i]!, deliveredMs });
      }
    },
    clockMs,
  );
  return { handle, got, batches };
}

async function until(check: () => boolean, what: string, withinMs = 2000): Promise<void> {
  const deadline = Date.now() + withinMs;
  while (!check()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

test('a group reads every ready member at a wake-up, in batches no larger than its slots, with member ids and kernel times', { skip }, async () => {
  const members = [await boundSocket(), await boundSocket(), await boundSocket()];
  const sender = createSocket('udp4');
  const group = recordingGroup(4);
  try {
    const before = monotonicMs();
    // Queued before the sockets join: the first wake-up finds 10 datagrams in three sockets, more than the 4 slots.
    const sends = [
      ...Array.from({ length: 5 }, (_, i) => [0, `a${i}`] as const),
      ...Array.from({ length: 3 }, (_, i) => [1, `b${i}`] as const),
      ...Array.from({ length: 2 }, (_, i) => [2, `c${i}`] as const),
    ];
    for (const [to, text] of sends) await new Promise<void>((r) => sender.send(text, members[to]!.address().port, '127.0.0.1', () => r()));
    await sleep(20);
    members.forEach((socket, i) => assert.ok(receive!.addToGroup(group.handle, udpSocketFd(socket)!, 70 + i)));
    await until(() => group.got.length === sends.length, 'all ten datagrams');
    const after = monotonicMs();
    assert.ok(group.batches.every((n) => n >= 1 && n <= 4), `batches ${group.batches}`);
    assert.ok(group.batches.length >= 3, 'ten datagrams in four slots: at least three calls');
    for (const [to, text] of sends) {
      const seen = group.got.filter((g) => g.text === text);
      assert.equal(seen.length, 1, `${text} once`);
      assert.equal(seen[0]!.member, 70 + to, `${text}: its socket's member`);
      assert.ok(seen[0]!.arrivalMs >= before - 1 && seen[0]!.arrivalMs <= after + 1, `${text}: a kernel time on the monotonic clock`);
    }
    // Per socket, in the order sent.
    assert.deepEqual(group.got.filter((g) => g.member === 70).map((g) => g.text), ['a0', 'a1', 'a2', 'a3', 'a4']);
  } finally {
    receive!.stop(group.handle);
    sender.close();
    for (const socket of members) socket.close();
  }
});

test('a member removed from a group gets nothing more, the others still do; after stop nothing comes and nothing joins', { skip }, async () => {
  const [a, b] = [await boundSocket(), await boundSocket()];
  const sender = createSocket('udp4');
  const group = recordingGroup(8);
  const send = (to: Socket, text: string) => new Promise<void>((r) => sender.send(text, to.address().port, '127.0.0.1', () => r()));
  try {
    assert.ok(receive!.addToGroup(group.handle, udpSocketFd(a)!, 1));
    assert.ok(receive!.addToGroup(group.handle, udpSocketFd(b)!, 2));
    assert.equal(receive!.addToGroup(group.handle, udpSocketFd(b)!, 3), false, 'a socket joins once');
    await send(a, 'first a');
    await send(b, 'first b');
    await until(() => group.got.length === 2, 'one datagram from each');
    receive!.removeFromGroup(group.handle, udpSocketFd(b)!);
    await send(b, 'late b');
    await send(a, 'second a');
    await until(() => group.got.some((g) => g.text === 'second a'), "a's second");
    await sleep(50);
    assert.deepEqual(group.got.map((g) => g.text).sort(), ['first a', 'first b', 'second a']);
    receive!.stop(group.handle);
    await send(a, 'after stop');
    await sleep(50);
    assert.equal(group.got.length, 3);
    assert.equal(receive!.addToGroup(group.handle, udpSocketFd(a)!, 1), false, 'a stopped group takes no member');
  } finally {
    receive!.stop(group.handle);
    sender.close();
    a.close();
    b.close();
  }
});

test('a group on a clock reads its ready members at each tick, not when a datagram comes; nothing after stop', { skip }, async () => {
  const members = [await boundSocket(), await boundSocket(), await boundSocket(), await boundSocket()];
  const sender = createSocket('udp4');
  const group = recordingGroup(8, 1000);
  const send = (to: Socket, text: string) => new Promise<void>((r) => sender.send(text, to.address().port, '127.0.0.1', () => r()));
  try {
    members.forEach((socket, i) => assert.ok(receive!.addToGroup(group.handle, udpSocketFd(socket)!, i)));
    // Four datagrams over 300 ms: at most one tick of the 1 s clock falls among them, so at least
    // two come in one call, and the first of those waited 100 ms or more after its arrival.
    for (let i = 0; i < 4; i++) {
      if (i > 0) await sleep(100);
      await send(members[i]!, `d${i}`);
    }
    await until(() => group.got.length === 4, 'the four datagrams', 2500);
    assert.deepEqual(group.got.map((g) => [g.member, g.text]).sort(), [[0, 'd0'], [1, 'd1'], [2, 'd2'], [3, 'd3']]);
    assert.ok(group.batches.length <= 2, `one call per tick: ${group.batches}`);
    const longestWait = Math.max(...group.got.map((g) => g.deliveredMs - g.arrivalMs));
    assert.ok(longestWait >= 95, `a datagram waits for the tick (longest wait ${longestWait.toFixed(1)} ms)`);
    const deliveries = [...new Set(group.got.map((g) => g.deliveredMs))];
    if (deliveries.length === 2) assert.ok(deliveries[1]! - deliveries[0]! >= 900, 'two calls: a tick apart');
    receive!.stop(group.handle);
    await send(members[0]!, 'after stop');
    await sleep(1100);
    assert.equal(group.got.length, 4);
  } finally {
    receive!.stop(group.handle);
    sender.close();
    for (const socket of members) socket.close();
  }
});

test('a group refuses a clock it cannot keep', { skip }, () => {
  const memory = Buffer.alloc(SLOT);
  for (const clockMs of [-1, 1001, 2.5e9]) {
    assert.throws(() => receive!.startGroup(memory, SLOT, new Int32Array(FIELDS), new Float64Array(1), () => {}, clockMs), TypeError, `clock ${clockMs}`);
  }
});

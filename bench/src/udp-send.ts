/**
 * UDP micro-benchmark on loopback. Sending: the sending thread's CPU µs per 1,100-byte datagram,
 * Node's socket.send() (one libuv request and syscall each, no callback, as the media path used
 * it) against the native core's batched sendmmsg() (as the media path sends a fan-out now), at
 * batch sizes 1, 8, 32 and 64. Receiving: the thread's CPU µs per datagram when datagrams arrive
 * one at a time (as a publisher's do, ~110 per second) and the 'message' handler does nothing:
 * the fixed cost of waking the event loop for each incoming packet.
 *
 *   unshare -n sh -c 'ip link set lo up; exec node --import tsx bench/src/udp-send.ts' [-- --packets 200000 --json]
 *
 * A child process drains the receiving socket, so the figures hold the whole loopback path the
 * sender's thread pays for (on loopback the kernel delivers into the receiver's queue inside the
 * send call), but not the receiving. CPU is the sending thread's own (/proc/thread-self/schedstat).
 */
import { fork } from 'node:child_process';
import { createSocket, type Socket } from 'node:dgram';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { nativeUdpBatchSend, udpSocketFd } from '@confab/srtp';

const { values } = parseArgs({
  options: {
    packets: { type: 'string', default: '200000' },
    rounds: { type: 'string', default: '5' },
    json: { type: 'boolean', default: false },
    drain: { type: 'boolean', default: false },
    trickle: { type: 'string' },
  },
});

if (values.trickle !== undefined) {
  // The child for the receiving part: one datagram every 1000/rate ms to the given port.
  const [port, rate] = values.trickle.split(':').map(Number);
  const socket = createSocket('udp4');
  const datagram = Buffer.alloc(1100);
  const timer = setInterval(() => socket.send(datagram, port!, '127.0.0.1'), 1000 / rate!);
  process.on('message', () => {
    clearInterval(timer);
    socket.close();
    process.disconnect();
  });
} else if (values.drain) {
  // The child: bind, report the port, count what arrives until told to stop.
  const socket = createSocket('udp4');
  socket.bind(0, '127.0.0.1', () => {
    socket.setRecvBufferSize(8 * 1024 * 1024);
    process.send!({ port: socket.address().port });
  });
  let received = 0;
  socket.on('message', () => received++);
  process.on('message', () => {
    process.send!({ received });
    socket.close();
    process.disconnect();
  });
} else {
  await main();
}

async function main(): Promise<void> {
  const packets = Number(values.packets);
  const rounds = Number(values.rounds);
  if (!(Number.isInteger(packets) && packets >= 1000)) throw new Error('--packets: at least 1000');
  const sendBatch = nativeUdpBatchSend();
  if (sendBatch === null) throw new Error('the native core is not built (npm run build:native -w @confab/srtp)');

  const child = fork(new URL(import.meta.url).pathname, ['--drain'], { execArgv: ['--import', 'tsx'] });
  const port = await new Promise<number>((resolve) => child.once('message', (m: { port: number }) => resolve(m.port)));
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  socket.setSendBufferSize(8 * 1024 * 1024);
  const fd = udpSocketFd(socket);
  if (fd === null) throw new Error('no file descriptor behind the dgram socket');

  const PACKET = 1100;
  const memory = Buffer.alloc(PACKET * 64, 0x5a);
  const table = new Int32Array(64 * 4);
  for (let i = 0; i < 64; i++) table.set([i * PACKET, PACKET, 0x7f000001, port], i * 4);

  /** Sender-thread CPU µs per packet for `packets` sends by `send(n)` (n packets per call), median of rounds. */
  const measure = async (send: (n: number) => void, perCall: number): Promise<number> => {
    const results: number[] = [];
    for (let r = 0; r <= rounds; r++) {
      const start = threadCpuNs();
      let sent = 0;
      while (sent < packets) {
        send(perCall);
        sent += perCall;
        // Let the drainer keep up: a full receive queue would make sends cheaper (dropped early).
        if (sent % 2048 < perCall) await new Promise((resolve) => setImmediate(resolve));
      }
      const us = (threadCpuNs() - start) / 1000 / sent;
      if (r > 0) results.push(us); // round 0 warms up
    }
    results.sort((a, b) => a - b);
    return results[Math.floor(results.length / 2)]!;
  };

  const rows: Array<{ method: string; batch: number; usPerPacket: number }> = [];
  const nodeSend = (socket: Socket) => (n: number) => {
    for (let i = 0; i < n; i++) socket.send(memory, i * PACKET, PACKET, port, '127.0.0.1');
  };
  rows.push({ method: 'socket.send', batch: 1, usPerPacket: await measure(nodeSend(socket), 1) });
  for (const batch of [1, 8, 32, 64]) {
    rows.push({ method: 'native sendmmsg', batch, usPerPacket: await measure((n) => sendBatch(fd, memory, table, n), batch) });
  }

  child.send('stop');
  const { received } = await new Promise<{ received: number }>((resolve) => child.once('message', resolve));
  socket.close();

  const wakeups: Array<{ perSecond: number; usPerDatagram: number }> = [];
  for (const perSecond of [100, 250, 1000]) wakeups.push({ perSecond, usPerDatagram: await receiveCost(perSecond) });

  if (values.json) {
    console.log(JSON.stringify({ packets, rounds, received, rows, wakeups }, null, 2));
    return;
  }
  console.log(`UDP send on loopback, ${PACKET}-byte datagrams, sender thread CPU per packet (median of ${rounds} rounds of ${packets}):\n`);
  console.log('| method | packets per call | µs/packet |');
  console.log('|---|---:|---:|');
  for (const row of rows) console.log(`| ${row.method} | ${row.batch} | ${row.usPerPacket.toFixed(2)} |`);
  console.log(`\n(the drainer received ${received} datagrams)`);
  console.log('\nReceiving one datagram at a time, empty handler: thread CPU per datagram (10 s each):\n');
  console.log('| datagrams/s | µs/datagram |');
  console.log('|---:|---:|');
  for (const w of wakeups) console.log(`| ${w.perSecond} | ${w.usPerDatagram.toFixed(1)} |`);
}

/** This thread's CPU µs per datagram while another process sends `perSecond` of them, spaced out. */
async function receiveCost(perSecond: number): Promise<number> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  let received = 0;
  socket.on('message', () => received++);
  const child = fork(new URL(import.meta.url).pathname, [`--trickle=${socket.address().port}:${perSecond}`], { execArgv: ['--import', 'tsx'] });
  await new Promise((resolve) => setTimeout(resolve, 2000)); // the child starts and settles
  const [cpu0, n0] = [threadCpuNs(), received];
  await new Promise((resolve) => setTimeout(resolve, 10_000));
  const [cpu1, n1] = [threadCpuNs(), received];
  child.send('stop');
  socket.close();
  return (cpu1 - cpu0) / 1000 / Math.max(1, n1 - n0);
}

function threadCpuNs(): number {
  return Number(readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ', 1)[0]);
}

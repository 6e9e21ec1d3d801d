/** udpDrops: the kernel's drops at a full receive buffer, told apart by whose socket it was. */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import { test } from 'node:test';
import { udpDrops } from '../src/procStats';

test('drops at a full receive buffer count for the process whose socket it is, and as others for any other process', async () => {
  const socket = createSocket('udp4');
  socket.bind(0, '127.0.0.1');
  await once(socket, 'listening');
  socket.setRecvBufferSize(2048);
  const { port } = socket.address();
  const before = udpDrops(process.pid);
  const elsewhere = udpDrops(process.ppid);
  // Sent by a child while this process waits for it: our event loop reads nothing meanwhile.
  const sender = `const s = require('node:dgram').createSocket('udp4'); let n = 0;
    const next = () => (++n > 300 ? s.close() : s.send(Buffer.alloc(1000), ${port}, '127.0.0.1', next)); next();`;
  execFileSync(process.execPath, ['-e', sender]);
  const after = udpDrops(process.pid);
  const dropped = after.process - before.process;
  assert.ok(dropped > 100, `${dropped} of 300 datagrams dropped at our 2 kB buffer`);
  assert.equal(after.others, before.others, 'none anywhere else');
  assert.equal(udpDrops(process.ppid).others - elsewhere.others, dropped, 'seen from another process, they are others');
  socket.close();
});

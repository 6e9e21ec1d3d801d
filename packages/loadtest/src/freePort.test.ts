import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { test } from 'node:test';
import { freeBasePort, freePort, freePortRange, portsFree } from './ServerProcess';

test('no port is handed out twice in one process, even while nothing listens on it yet', async () => {
  const seen = new Set<number>();
  for (let i = 0; i < 300; i++) {
    const base = await freeBasePort([0, 1, 100]);
    const range = await freePortRange(2);
    for (const port of [base, base + 1, base + 100, await freePort(), range, range + 1]) {
      assert.ok(!seen.has(port), `port ${port} handed out twice`);
      seen.add(port);
    }
  }
});

test('a port taken for UDP only is not free for media, and is for a TCP-only listener', async () => {
  const port = await freePort();
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(port, '127.0.0.1', resolve));
  try {
    assert.equal(await portsFree([port]), false);
    assert.equal(await portsFree([port], { udp: false }), true);
  } finally {
    socket.close();
  }
  assert.equal(await portsFree([port]), true, 'free again once closed');
});

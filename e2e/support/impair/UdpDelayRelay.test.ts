import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { test } from 'node:test';
import { UdpDelayRelay } from './UdpDelayRelay';

test('the UDP relay forwards both ways, each way late by the delay it is given', async () => {
  const upstream = createSocket('udp4');
  await new Promise<void>((r) => upstream.bind(0, '127.0.0.1', r));
  upstream.on('message', (msg, from) => upstream.send(msg, from.port, from.address)); // an echo server
  const relay = await UdpDelayRelay.start({ listenHost: '127.0.0.1', upstreamHost: '127.0.0.1', upstreamPort: upstream.address().port, delayMs: 80 });
  const client = createSocket('udp4');
  await new Promise<void>((r) => client.bind(0, '127.0.0.1', r));
  try {
    const roundTrip = async (): Promise<number> => {
      const sent = performance.now();
      const back = new Promise<number>((resolve) => client.once('message', () => resolve(performance.now() - sent)));
      client.send(Buffer.from('ping'), relay.port, '127.0.0.1');
      return back;
    };
    const slow = await roundTrip();
    assert.ok(slow >= 155 && slow < 1000, `round trip through an 80 ms relay took ${slow.toFixed(0)} ms`);
    relay.setDelay(0);
    const fast = await roundTrip();
    assert.ok(fast < slow - 100, `without delay the round trip took ${fast.toFixed(0)} ms`);
    assert.equal(relay.forwarded, 4);
  } finally {
    relay.close();
    client.close();
    upstream.close();
  }
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createWeriftEngine, MediaError, type MediaEngine } from '../src/media/index';
import { connectPublisher, connectSubscriber, type PublisherSession, type SubscriberSession } from './support/harness';
import { openUdpSockets, sleep, waitFor } from './support/wait';

const T = 10_000;

async function closeAll(engine: MediaEngine, pub: PublisherSession | undefined, subs: SubscriberSession[]): Promise<void> {
  await Promise.all([pub?.peer.close(), ...subs.map((s) => s.peer.close())]);
  await engine.close();
}

function rising(read: () => number, what: string): Promise<void> {
  const start = read();
  return waitFor(() => read() > start + 10, T, `${what} rising (from ${start})`);
}

test('one publisher, three subscribers: every subscriber gets both tracks intact', async () => {
  const engine = createWeriftEngine();
  const router = engine.createRouter('room-1');
  const pub = await connectPublisher(router, 'alice');
  const subs = [1, 2, 3].map((i) => connectSubscriber(router, `sub${i}`));
  try {
    for (const sub of subs) {
      sub.transport.consume(pub.audio);
      sub.transport.consume(pub.video);
    }
    await waitFor(
      () => subs.every((s) => s.peer.packets(pub.audio.id) > 50 && s.peer.packets(pub.video.id) > 50),
      T,
      'all subscribers receiving audio and video',
    );
    for (const sub of subs) {
      // One batched offer for both consumes, listing both tracks.
      assert.equal(sub.peer.offers.length, 1);
      assert.deepEqual(new Set(sub.peer.lastOffer?.tracks.map((t) => t.producerId)), new Set([pub.audio.id, pub.video.id]));
      assert.equal(sub.transport.state, 'connected');
      assert.deepEqual(sub.states, ['connecting', 'connected']);
    }
    await Promise.all(subs.flatMap((s) => [rising(() => s.peer.packets(pub.audio.id), `${s.peer.name} audio`), rising(() => s.peer.packets(pub.video.id), `${s.peer.name} video`)]));
    for (const sub of subs) {
      assert.equal(sub.peer.stats(pub.audio.id).corrupt, 0, `${sub.peer.name} audio payloads intact`);
      assert.equal(sub.peer.stats(pub.video.id).corrupt, 0, `${sub.peer.name} video payloads intact`);
      assert.ok(sub.peer.stats(pub.video.id).keyFrames >= 1, `${sub.peer.name} saw a keyframe`);
      assert.deepEqual(sub.peer.errors, []);
    }
    // The server caps the publisher's video with REMB (we negotiate no TWCC).
    await waitFor(() => pub.peer.remb !== undefined, T, 'REMB at the publisher');
    assert.equal(pub.peer.remb, 2_500_000n);
    const stats = engine.stats();
    assert.equal(stats.routers, 1);
    assert.equal(stats.transports, 4);
    assert.equal(stats.producers, 2);
    assert.equal(stats.consumers, 6);
    assert.ok(stats.rtpPacketsReceived > 0 && stats.rtpPacketsForwarded > stats.rtpPacketsReceived, JSON.stringify(stats));
    assert.ok(stats.rtpBytesForwarded > stats.rtpPacketsForwarded * 12);
    assert.deepEqual(pub.peer.errors, []);
  } finally {
    await closeAll(engine, pub, subs);
  }
});

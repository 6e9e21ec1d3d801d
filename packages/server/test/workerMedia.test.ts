import assert from 'node:assert/strict';
import { test } from 'node:test';
import { freePortRange, sleep, waitUntil } from '@confab/loadtest';
import { MediaError, WorkerMediaEngine, type MediaEngine, type Router, type WorkerMediaEngineOptions } from '../src/media/index';
import type { MediaLogger } from '../src/media/logger';
import { CRASHING_ENGINE, crashMediaWorker } from './support/crashingEngine';
import { connectPublisher, connectSubscriber, type PublisherSession, type SubscriberSession } from './support/harness';
import { openUdpPorts, openUdpSockets } from './support/udp';

// The media interface on worker threads (WorkerMediaEngine), each hosting the real engine.

const T = 15_000;

function rising(read: () => number, what: string): Promise<void> {
  const start = read();
  return waitUntil(() => read() > start + 10, T, `${what} rising (from ${start})`);
}

/** Keeps the warnings and errors the engine logs, to check what operators get told. */
function recordingLogger() {
  const lines: { level: string; message: string; fields: Record<string, unknown> }[] = [];
  const at = (level: string) => (fields: object, message = '') => void lines.push({ level, message, fields: fields as Record<string, unknown> });
  const logger: MediaLogger = { debug: () => {}, info: () => {}, warn: at('warn'), error: at('error') };
  return { logger, lines };
}

function start(options: Partial<WorkerMediaEngineOptions> = {}): Promise<WorkerMediaEngine> {
  return WorkerMediaEngine.start({ workers: 2, settings: { announcedAddresses: [] }, ...options });
}

/** A publisher and `n` subscribers of both its tracks, in `router`. */
async function call(router: Router, name: string, n: number): Promise<{ pub: PublisherSession; subs: SubscriberSession[] }> {
  const pub = await connectPublisher(router, `${name}-pub`);
  const subs = Array.from({ length: n }, (_, i) => connectSubscriber(router, `${name}-sub${i + 1}`));
  for (const sub of subs) {
    sub.transport.consume(pub.audio);
    sub.transport.consume(pub.video);
  }
  await waitUntil(() => subs.every((s) => s.peer.packets(pub.audio.id) > 20 && s.peer.packets(pub.video.id) > 20), T, `${name}: every subscriber receiving`);
  return { pub, subs };
}

async function hangUp(...calls: ({ pub: PublisherSession; subs: SubscriberSession[] } | undefined)[]): Promise<void> {
  await Promise.all(calls.flatMap((c) => (c ? [c.pub.peer.close(), ...c.subs.map((s) => s.peer.close())] : [])));
}

const code = (expected: string) => (err: unknown) => err instanceof MediaError && err.code === expected;

function routersPerWorker(engine: MediaEngine): number[] {
  return engine.stats().workers!.map((w) => w.routers);
}

test('rooms go to the least loaded worker, media flows on each, stats add up, close releases every socket', async () => {
  const baseline = openUdpSockets();
  const engine = await start();
  let a, b;
  try {
    const roomA = engine.createRouter('a');
    const roomB = engine.createRouter('b');
    assert.deepEqual(routersPerWorker(engine), [1, 1], 'two rooms, two workers');
    a = await call(roomA, 'a', 2); // worker 0: 1 router + 3 transports
    b = await call(roomB, 'b', 1); // worker 1: 1 router + 2 transports
    engine.createRouter('c');
    assert.deepEqual(routersPerWorker(engine), [1, 2], 'the third room goes to the worker with less on it');

    const receivers = [...a.subs.map((s) => [s, a!.pub] as const), ...b.subs.map((s) => [s, b!.pub] as const)];
    await Promise.all(receivers.map(([s, pub]) => rising(() => s.peer.packets(pub.video.id), s.peer.name)));
    const stats = engine.stats();
    assert.deepEqual([stats.routers, stats.transports, stats.producers, stats.consumers], [3, 5, 4, 6]);
    const [w0, w1] = stats.workers!;
    assert.ok(w0 && w1);
    assert.deepEqual([w0.transports, w1.transports], [3, 2]);
    assert.ok(w0.rtpPacketsForwarded > 0 && w1.rtpPacketsForwarded > 0, JSON.stringify(stats.workers));
    assert.ok(w0.rtpPacketsForwarded > w1.rtpPacketsForwarded, 'room a forwards to two subscribers, room b to one');
    assert.equal(stats.rtpPacketsForwarded, w0.rtpPacketsForwarded + w1.rtpPacketsForwarded);
    assert.ok(stats.rtpBytesForwarded > stats.rtpPacketsForwarded * 12);
    assert.ok(w0.cpuSeconds > 0 && w1.cpuSeconds > 0, 'each worker reports its own thread CPU');
    for (const [s, pub] of receivers) {
      assert.equal(s.peer.stats(pub.video.id).corrupt, 0);
      assert.deepEqual(s.peer.errors, []);
    }
  } finally {
    await engine.close();
    await hangUp(a, b);
  }
  await waitUntil(() => openUdpSockets() === baseline, T, () => `UDP sockets back to ${baseline} (now ${openUdpSockets()})`);
});

test('the proxy answers as the engine does: refusals at once, worker errors with their codes, lifecycle mirrored', async () => {
  const engine = await start({ workers: 1 });
  let room;
  try {
    const router = engine.createRouter('r');
    const other = engine.createRouter('other');
    assert.throws(() => engine.createRouter('r'), code('conflict'));
    room = await call(router, 'r', 2);
    const { pub, subs } = room;
    const [bob, carol] = subs as [SubscriberSession, SubscriberSession];

    // Refused synchronously, on the main thread, as the engine would.
    assert.throws(() => pub.transport.produce({ id: pub.audio.id, kind: 'audio', mid: '7' }), code('conflict'));
    assert.throws(() => pub.transport.produce({ id: 'x', kind: 'audio', mid: pub.peer.mids.audio }), code('conflict'));
    assert.throws(() => pub.transport.produce({ id: 'x', kind: 'screen' as never, mid: '9' }), code('invalid_argument'));
    assert.throws(() => bob.transport.produce({ id: 'x', kind: 'audio', mid: '9' }), code('conflict'));
    assert.throws(() => pub.transport.consume(pub.audio), code('conflict'));
    const stranger = other.createTransport({ label: 'stranger', role: 'subscribe', onSignal: () => {} });
    assert.throws(() => stranger.consume(pub.audio), code('invalid_argument'), 'a producer of another room');
    assert.throws(() => bob.transport.consume(pub.audio), code('conflict'), 'consumed twice');

    // Refused on the worker, with the engine's code.
    const mallory = router.createTransport({ label: 'mallory', role: 'publish', onSignal: () => {} });
    await assert.rejects(mallory.applyOffer('garbage'), code('invalid_argument'));
    await assert.rejects(mallory.applyOffer(42 as unknown as string), code('invalid_argument'));
    await assert.rejects(mallory.applyAnswer('v=0'), code('conflict'));
    await assert.rejects(bob.transport.applyAnswer(bob.peer.lastOffer!.sdp), code('conflict'), 'no offer outstanding');
    await mallory.addRemoteCandidate({ candidate: 'candidate:garbage', sdpMid: '0' });
    mallory.close();
    assert.equal(mallory.state, 'closed');
    await assert.rejects(mallory.applyOffer('v=0'), code('conflict'));

    // Pausing and closing: mirrored here at once, done on the worker.
    pub.video.pause();
    assert.equal(pub.video.paused, true);
    await sleep(300);
    const frozen = bob.peer.packets(pub.video.id);
    await rising(() => bob.peer.packets(pub.audio.id), 'bob audio while video is paused');
    assert.equal(bob.peer.packets(pub.video.id), frozen, 'no video while the producer is paused');
    pub.video.resume();
    await rising(() => bob.peer.packets(pub.video.id), 'bob video after resume');

    const offers = carol.peer.offers.length;
    pub.video.close();
    assert.equal(pub.video.closed, true);
    const dave = router.createTransport({ label: 'dave', role: 'subscribe', onSignal: () => {} });
    assert.throws(() => dave.consume(pub.video), code('conflict'), 'a closed producer');
    await waitUntil(() => carol.peer.offers.length > offers, T, 'carol renegotiated');
    await carol.peer.settled();
    assert.deepEqual(carol.peer.lastOffer?.tracks.map((t) => t.producerId), [pub.audio.id]);
    assert.deepEqual([engine.stats().producers, engine.stats().consumers], [1, 2]);

    bob.transport.close();
    assert.equal(bob.states.at(-1), 'closed');
    assert.throws(() => bob.transport.consume(pub.audio), code('conflict'));
    await rising(() => carol.peer.packets(pub.audio.id), 'carol audio after bob left');

    pub.transport.close();
    assert.equal(pub.audio.closed, true);
    await waitUntil(() => carol.peer.lastOffer?.tracks.length === 0, T, 'carol offered no tracks');
    assert.deepEqual([engine.stats().producers, engine.stats().consumers], [0, 0]);
    assert.deepEqual(carol.peer.errors, []);
  } finally {
    await engine.close();
    await hangUp(room);
  }
});

test('a worker that throws takes down only its rooms; a replacement takes its slot; the other room keeps forwarding', async () => {
  const { logger, lines } = recordingLogger();
  const engine = await start({ engineModule: CRASHING_ENGINE, logger });
  const failures: Record<string, MediaError[]> = { doomed: [], safe: [], fresh: [] };
  const router = (id: string) => engine.createRouter(id, { onFailed: (error) => failures[id]!.push(error) });
  let doomed, safe, fresh;
  try {
    const doomedRoom = router('doomed');
    const safeRoom = router('safe');
    assert.deepEqual(routersPerWorker(engine), [1, 1]);
    doomed = await call(doomedRoom, 'doomed', 1);
    safe = await call(safeRoom, 'safe', 1);
    const safeSub = safe.subs[0]!;
    const forwardedBefore = engine.stats().rtpPacketsForwarded;

    crashMediaWorker('doomed', 'throw');
    await waitUntil(() => failures.doomed!.length > 0, T, 'the doomed room told of its failure');
    const [failure] = failures.doomed!;
    assert.equal(failure?.code, 'unavailable');
    assert.match(failure!.message, /media worker 0 failed: injected crash/);

    // Everything of the failed room says so, at once and without waiting on a dead thread.
    const doomedSub = doomed.subs[0]!;
    assert.equal(doomedSub.transport.state, 'failed');
    assert.equal(doomedSub.states.at(-1), 'failed');
    assert.throws(() => doomedSub.transport.consume(doomed!.pub.audio), code('unavailable'));
    await assert.rejects(doomed.pub.transport.applyOffer('v=0'), code('unavailable'));
    assert.throws(() => doomedRoom.createTransport({ label: 'late', role: 'subscribe', onSignal: () => {} }), code('unavailable'));
    doomedSub.transport.close();
    assert.equal(doomedSub.states.at(-1), 'closed');
    doomedRoom.close();

    // The other room never noticed.
    await rising(() => safeSub.peer.packets(safe!.pub.video.id), 'the safe room, after the crash');
    await rising(() => safeSub.peer.packets(safe!.pub.audio.id), 'the safe room audio, after the crash');
    assert.equal(safeSub.transport.state, 'connected');
    assert.deepEqual([failures.safe!.length, safeSub.peer.errors.length], [0, 0]);
    assert.ok(engine.stats().rtpPacketsForwarded >= forwardedBefore, 'counters never go back');
    assert.ok(lines.some((l) => l.level === 'error' && l.message.includes('media worker died')), 'operators are told');

    // A replacement takes slot 0, and new rooms work there.
    await waitUntil(() => engine.stats().workers![0]!.restarts === 1, T, 'slot 0 restarted');
    await sleep(500);
    const freshRoom = router('fresh');
    assert.deepEqual(routersPerWorker(engine), [1, 1], 'the new room goes to the replacement (empty) worker');
    fresh = await call(freshRoom, 'fresh', 1);
    assert.deepEqual(failures.fresh, []);
  } finally {
    await engine.close();
    await hangUp(doomed, safe, fresh);
  }
});

test('a worker that exits fails its rooms the same way', async () => {
  const engine = await start({ engineModule: CRASHING_ENGINE });
  const failed: string[] = [];
  try {
    const doomed = engine.createRouter('gone', { onFailed: (error) => failed.push(`gone: ${error.code}`) });
    const kept = engine.createRouter('kept', { onFailed: () => failed.push('kept') });
    const states: string[] = [];
    const transport = doomed.createTransport({ label: 't', role: 'subscribe', onSignal: () => {}, onStateChange: (s) => states.push(s) });
    const keptTransport = kept.createTransport({ label: 'k', role: 'publish', onSignal: () => {} });
    // A round trip (refused, whatever the engine): the worker has the router before the order, on another channel, reaches it.
    await assert.rejects(transport.applyAnswer('v=0'));
    crashMediaWorker('gone', 'exit');
    await waitUntil(() => failed.length > 0, T, 'the room on the exited worker failed');
    assert.deepEqual(failed, ['gone: unavailable']);
    assert.deepEqual(states, ['failed']);
    transport.close();
    assert.deepEqual(states, ['failed', 'closed']);
    // The other worker still answers.
    await assert.rejects(keptTransport.applyOffer('garbage'), code('invalid_argument'));
    await sleep(300);
    assert.deepEqual(failed, ['gone: unavailable'], 'told once, and nobody else');
  } finally {
    await engine.close();
  }
});

test('a worker that stops answering is ended, and fails its rooms like a dead one', async () => {
  const engine = await start({ engineModule: CRASHING_ENGINE, unresponsiveMs: 1_000 });
  const failures: string[] = [];
  try {
    const stuck = engine.createRouter('stuck', { onFailed: (error) => failures.push(error.message) });
    const kept = engine.createRouter('fine', { onFailed: () => failures.push('fine') });
    const transport = stuck.createTransport({ label: 't', role: 'subscribe', onSignal: () => {} });
    const keptTransport = kept.createTransport({ label: 'k', role: 'publish', onSignal: () => {} });
    await assert.rejects(transport.applyAnswer('v=0')); // a round trip: the worker has the router
    crashMediaWorker('stuck', 'hang');
    await sleep(300);
    // The worker is looping: never answered, rejected once the worker is declared dead.
    const pending = assert.rejects(transport.applyAnswer('v=0'), code('unavailable'), 'a request in flight is rejected');
    await waitUntil(() => failures.length > 0, T, 'the room on the stuck worker failed');
    assert.match(failures[0]!, /media worker 0 failed: media worker 0 did not answer for \d+ ms/);
    await pending;
    await assert.rejects(keptTransport.applyOffer('garbage'), code('invalid_argument'), 'the other worker still answers');
    await waitUntil(() => engine.stats().workers![0]!.restarts === 1, T, 'slot 0 replaced');
    assert.deepEqual(failures.length, 1);
  } finally {
    await engine.close();
  }
});

// Each worker's engine takes one UDP port: CONFAB_RTC_PORT + its index (one port to open per core).
test('each worker listens on the base port plus its index, and media flows through both', async () => {
  const base = await freePortRange(2);
  const ours = () => openUdpPorts().filter((port) => port === base || port === base + 1);
  const engine = await start({ settings: { announcedAddresses: [], rtcPort: base } });
  let a, b;
  try {
    assert.deepEqual(ours().sort(), [base, base + 1], 'one port per worker, from the base');
    a = await call(engine.createRouter('a'), 'a', 1);
    b = await call(engine.createRouter('b'), 'b', 1);
    assert.deepEqual(routersPerWorker(engine), [1, 1], 'the two rooms on the two workers');
  } finally {
    await engine.close();
    await hangUp(a, b);
  }
  assert.deepEqual(ours(), [], 'released on close');
});

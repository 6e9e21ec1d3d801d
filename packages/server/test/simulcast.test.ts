/**
 * Simulcast through the real server, its media on a worker thread: a headless publisher sends a
 * rid simulcast camera (q 320x180, h 640x360, f 1280x720 on three SSRCs, as the SDK does), two
 * headless subscribers receive it. The layer each one gets follows its track_settings; a layer
 * nobody receives is switched off at the publisher (dynacast) and back on when needed.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { HeadlessParticipant, SimulcastVp8, waitUntil } from '@confab/loadtest';
import { startWorkerServer } from './support/workerServer';

type Server = Awaited<ReturnType<typeof startWorkerServer>>;
let t: Server;
let publisher: HeadlessParticipant;
let ann: HeadlessParticipant;
let bob: HeadlessParticipant;

before(async () => {
  t = await startWorkerServer(1, new URL('./support/crashingEngine.ts', import.meta.url));
  const room = `simulcast-${process.pid}`;
  publisher = new HeadlessParticipant({ url: t.wsUrl, room, name: 'Pub' });
  ann = new HeadlessParticipant({ url: t.wsUrl, room, name: 'Ann' });
  bob = new HeadlessParticipant({ url: t.wsUrl, room, name: 'Bob' });
  await publisher.join();
  await publisher.publishCamera({ simulcast: true, bitrate: 900_000, keyFrameIntervalSeconds: 10 });
  await ann.join();
  await bob.join();
});

after(async () => {
  await Promise.allSettled([publisher?.close(), ann?.close(), bob?.close()]);
  await t?.stop();
  await t?.media.close();
});

function video(p: HeadlessParticipant) {
  const track = [...p.stats().received].find((r) => r.kind === 'video');
  return track;
}

function height(p: HeadlessParticipant): number {
  const received = [...(p as unknown as { subscriber?: { tracks: Map<string, { kind?: string; height?: number }> } }).subscriber!.tracks.values()];
  return received.find((r) => r.kind === 'video')?.height ?? 0;
}

function camera(): SimulcastVp8 {
  return (publisher as unknown as { publisher: { published: Map<string, { media: SimulcastVp8 }> } }).publisher.published.get('camera')!.media;
}

async function elapsedUntil(check: () => boolean, timeoutMs: number, what: string): Promise<number> {
  const start = performance.now();
  await waitUntil(check, timeoutMs, what, 20);
  return Math.round(performance.now() - start);
}

test('by default (no track_settings) everyone gets the top layer', async () => {
  await waitUntil(() => height(ann) === 720 && height(bob) === 720, 20_000, 'both receive f (720p)');
  assert.deepEqual(publisher.errors, []);
});

test('a thumbnail gets the low layer within 2 s; the other subscriber keeps the top one', async () => {
  const trackId = video(ann)!.trackId;
  await ann.trackSettings(trackId, { visible: true, width: 160, height: 90 });
  const ms = await elapsedUntil(() => height(ann) === 180, 2_000, 'Ann receives q (180p)');
  console.log(`down-switch (thumbnail -> q): ${ms} ms`);
  assert.equal(height(bob), 720);
});

test('hidden: no video bytes; dynacast turns off what nobody receives within 6 s, and visible again gets video within a second', async () => {
  const trackId = video(ann)!.trackId;
  await ann.trackSettings(trackId, { visible: false, width: 160, height: 90 });
  const hiddenAt = performance.now();
  await new Promise((r) => setTimeout(r, 300));
  const bytes = video(ann)!.bytes;
  await new Promise((r) => setTimeout(r, 1000));
  assert.equal(video(ann)!.bytes, bytes, 'a hidden video receives no bytes');

  // Nobody receives h now (Bob is on f): the publisher is told to stop it. q stays on: it is what
  // Bob falls to at once if his link narrows (every watched camera keeps its lowest layer).
  const latest = () => publisher.subscribedLayers.at(-1)?.layers ?? [];
  await waitUntil(() => latest().length === 3 && latest().every((l) => l.active === (l.rid !== 'h')), 6_000, 'h off, q and f on', 20);
  const offMs = Math.round(performance.now() - hiddenAt);
  assert.ok(offMs < 6_000);
  const h = camera().layers[1]!;
  const sent = h.encoder.sent.packets;
  await new Promise((r) => setTimeout(r, 500));
  assert.equal(h.encoder.sent.packets, sent, 'the publisher no longer sends h');
  console.log(`dynacast: h off at the publisher ${offMs} ms after its last subscriber hid the video`);

  await ann.trackSettings(trackId, { visible: true, width: 640, height: 360 });
  const visibleAt = performance.now();
  await waitUntil(() => video(ann)!.bytes > bytes, 2_000, 'Ann receives video again', 10);
  const back = Math.round(performance.now() - visibleAt);
  await waitUntil(() => height(ann) === 360, 3_000, 'Ann on h (360p)');
  console.log(`visible again -> video after ${back} ms (h switched on at the publisher first)`);
  assert.ok(back < 1_500, `video within about a second (${back} ms)`);
  assert.ok(publisher.subscribedLayers.at(-1)!.layers.find((l) => l.rid === 'h')!.active, 'h is on again');
});

test('a publisher alone: every layer goes off', async () => {
  await Promise.all([ann.close(), bob.close()]);
  await waitUntil(() => publisher.subscribedLayers.at(-1)?.layers.every((l) => !l.active) ?? false, 8_000, 'all layers off');
  const sent = camera().sent.packets;
  await new Promise((r) => setTimeout(r, 500));
  assert.equal(camera().sent.packets, sent, 'no video leaves the publisher');
});

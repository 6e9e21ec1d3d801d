import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { probe } from '../recording/testing/probe';
import { MediaError } from '../errors';
import type { SfuRecordingSink } from './SfuRecordingSink';
import { playableSimulcastProducer } from './simulcast/testing/playableSimulcastProducer';
import { applyChromiumSimulcastOffer } from './testing/sfuTestParts';

// A recording sink on a recorded Chromium simulcast stream (q 320x180, h 640x360, f 1280x720;
// key frames on every layer at ~500, ~1315 and ~2105 ms; 61 pictures per layer in 3 s).

let dir = '';
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'confab-sink-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** The engine's ticker, every 50 ms from `startMs`, run up to each packet's time (play()'s beforePacket). */
function ticksFrom(sink: SfuRecordingSink, startMs: number): (t: number) => void {
  let next = startMs;
  return (t) => {
    for (; next <= t; next += 50) sink.tick(next);
  };
}

test('records the best layer that flows, and moves up at the better layer key frame, nothing lost across the switch', async () => {
  const t0 = performance.now(); // record() reads this clock
  const { producer, keyFrameRequests, play } = playableSimulcastProducer(t0);
  // f is not sent at first (the publisher's uplink cannot carry it) and not kept for a grace period.
  for (const layer of producer.layers) layer.turnedOnAtMs = Number.NEGATIVE_INFINITY;
  play(0, 200, { skipRid: 'f' });
  const sink = (await producer.record({ pathWithoutExtension: join(dir, 'cam') })) as SfuRecordingSink;
  const beforePacket = ticksFrom(sink, t0 + 200);
  play(200, 1000, { skipRid: 'f', beforePacket });
  assert.equal(sink.neededLayers(), 0b010, 'h is recorded, so dynacast keeps it on');
  play(1000, 3000, { beforePacket }); // f arrives from 1 s on
  assert.equal(sink.neededLayers(), 0b100, 'now f');
  const result = await sink.stop();

  // h's pictures from its key frame at 506 ms, then f's from its key frame at 1315 ms: 16 + 35.
  assert.equal(result.frames, 16 + 35);
  assert.equal(result.packetsLost, 0, 'no gap in the numbering the recorder saw across the switch');
  assert.equal(result.framesDropped, 0);
  assert.deepEqual(keyFrameRequests, ['h', 'f'], 'a key frame asked of h to start, of f to switch');
  const p = await probe(result.file);
  assert.deepEqual([p.width, p.height], [640, 360], 'the file starts with h');
  assert.equal(p.packetTimes.length, 51);
  for (let i = 1; i < p.packetTimes.length; i++) {
    const step = p.packetTimes[i]! - p.packetTimes[i - 1]!;
    assert.ok(step > 0.02 && step < 0.09, `picture ${i} follows ${Math.round(step * 1000)} ms after the one before (the switch keeps capture time)`);
  }
});

test('a top layer that is expected but never sent (its start grace): the layer below is recorded meanwhile, from its first key frame', async () => {
  const t0 = performance.now();
  const { producer, play } = playableSimulcastProducer(t0);
  const sink = (await producer.record({ pathWithoutExtension: join(dir, 'no-top') })) as SfuRecordingSink;
  const beforePacket = ticksFrom(sink, t0);
  // f was just turned on (within LAYER_START_GRACE_MS) but never comes, as from a 640x480 camera.
  play(0, 2500, { skipRid: 'f', beforePacket });
  const result = await sink.stop();
  const p = await probe(result.file);
  assert.deepEqual([p.width, p.height], [640, 360], 'h, the best that flows');
  // h's pictures from its key frame at ~506 ms to 2.5 s.
  assert.ok(result.frames >= 38, `${result.frames} frames`);
});

test('a paused producer writes nothing, and the file goes on where the capture clock says after resume', async () => {
  const t0 = performance.now();
  const { producer, play } = playableSimulcastProducer(t0);
  const sink = (await producer.record({ pathWithoutExtension: join(dir, 'paused') })) as SfuRecordingSink;
  const beforePacket = ticksFrom(sink, t0);
  play(0, 1000, { beforePacket });
  producer.pause();
  play(1000, 2000, { beforePacket });
  producer.resume();
  play(2000, 3000, { beforePacket });
  const result = await sink.stop();
  const p = await probe(result.file);
  const times = p.packetTimes;
  const gap = times.findIndex((t, i) => i > 0 && t - times[i - 1]! > 0.5);
  assert.ok(gap > 0, 'a gap where the producer was paused');
  // f from 501 ms; paused 1000-2000; back at f's key frame at 2104.5 ms.
  assert.ok(Math.abs(times[gap]! - (2.1045 - 0.5015)) < 0.01, `resumes at ${times[gap]} s into the file`);
  assert.ok(result.packetsLost > 0, 'what was not forwarded is a gap in the numbering: the recorder waits for a key frame');
  assert.ok(p.packetKeyFrames[gap], 'and starts again with a key frame');
});

test('asked before its publisher offer: the recording starts when the offer is applied, before any packet can come, from the first key frame', async () => {
  const t0 = performance.now();
  const { producer, play } = playableSimulcastProducer(t0, { offered: false });
  let started = false;
  const recording = producer.record({ pathWithoutExtension: join(dir, 'before-offer') }).then((r) => ((started = true), r as SfuRecordingSink));
  await new Promise(setImmediate);
  assert.equal(started, false, 'it waits for the offer');
  applyChromiumSimulcastOffer(producer);
  // The answer leaves with the offer applied; the first packets come in a later turn.
  await new Promise(setImmediate);
  play(0, 3000);
  const result = await (await recording).stop();
  assert.equal(result.framesDropped, 0, 'nothing before the first key frame was missed');
  assert.equal(result.keyFrameRequests, 0, 'no key frame had to be asked for');
  const p = await probe(result.file);
  assert.ok(p.packetKeyFrames[0], 'the file starts with a key frame');
  // f's pictures from its first key frame, at ~501 ms, to 3 s.
  assert.equal(result.frames, 51);
  assert.ok(Math.abs(result.startMs - (performance.timeOrigin + t0 + 501.5)) < 5, `starts at ${result.startMs - performance.timeOrigin - t0} ms`);
});

test('a recording waiting for its offer ends with conflict when the producer closes or its signal aborts', async () => {
  const closing = playableSimulcastProducer(0, { offered: false }).producer;
  const waiting = closing.record({ pathWithoutExtension: join(dir, 'closed') });
  closing.close();
  await assert.rejects(waiting, (err) => err instanceof MediaError && err.code === 'conflict');
  const cancel = new AbortController();
  const aborted = playableSimulcastProducer(0, { offered: false }).producer.record({ pathWithoutExtension: join(dir, 'aborted'), signal: cancel.signal });
  cancel.abort();
  await assert.rejects(aborted, (err) => err instanceof MediaError && err.code === 'conflict');
});

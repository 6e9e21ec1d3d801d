/**
 * The DownTrack seam on a recorded Chromium simulcast stream: the real SfuProducer (layers learnt,
 * per-layer key frames) feeding the real SfuConsumer (LayerSelector, RtpStreamRewriter, VP8
 * picture ids), with recording owners in place of the transports.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isVp8KeyFrame, rtpCheck, rtpSeq, rtpSsrc, rtpTimestamp } from '@confab/wire';
import { SfuConsumer } from '../SfuConsumer';
import { testConsumerOwner } from '../testing/sfuTestParts';
import { allocate } from '../allocation/allocate';
import { CHROMIUM_SIMULCAST_RTP } from './chromiumSimulcastRtp.fixture';
import { playableSimulcastProducer } from './testing/playableSimulcastProducer';
import { Vp8Descriptor } from './vp8';

interface Sent {
  t: number;
  seq: number;
  ts: number;
  ssrc: number;
  keyFrame: boolean;
  pictureId: number;
  tl0: number;
  /** The layer the consumer forwarded when it sent this. */
  layer: number;
}

/** `connected`: whether the subscriber's transport is up (ICE and DTLS done); the owner's flag can be changed later. */
function setup({ connected = true } = {}) {
  const { ctx, producer, keyFrameRequests, layersTold, now: clock, play: feed } = playableSimulcastProducer();
  const sent: Sent[] = [];
  const descriptor = new Vp8Descriptor();
  let consumerRef: SfuConsumer | undefined;
  const consumerOwner = testConsumerOwner((slot, length) => {
    const header = rtpCheck(slot, length);
    descriptor.read(slot, header, length);
    sent.push({
      t: clock(),
      seq: rtpSeq(slot),
      ts: rtpTimestamp(slot),
      ssrc: rtpSsrc(slot),
      keyFrame: isVp8KeyFrame(slot, header, length),
      pictureId: descriptor.pictureId(slot),
      tl0: descriptor.tl0PicIdxAt >= 0 ? slot[descriptor.tl0PicIdxAt]! : -1,
      layer: consumerRef!.selector.current,
    });
    return true;
  }, connected);
  const consumer = new SfuConsumer(producer, '0', consumerOwner, ctx, {});
  consumerRef = consumer;
  producer.addConsumer(consumer);
  consumer.prepareOffer();
  consumer.negotiate({ mid: '0', receiving: true, payloadTypes: new Set([96, 97]), audioLevelId: 0, transportCcId: 0 });
  /** Feeds the recording's packets of [from, to); `late` delays one layer's arrival times (not their order). */
  const play = (from: number, to: number, skipRid?: string, late?: { rid: string; ms: number }) => feed(from, to, { skipRid, late });
  const target = (layer: number, t: number) => {
    consumer.allocation.target = layer;
    consumer.allocation.pausedForBandwidth = false;
    consumer.applyAllocation(t);
  };
  return { producer, consumer, consumerOwner, sent, keyFrameRequests, layersTold, play, target, now: clock };
}

function assertContinuous(sent: Sent[], ssrc: number): void {
  for (let i = 1; i < sent.length; i++) {
    const [a, b] = [sent[i - 1]!, sent[i]!];
    assert.equal(b.ssrc, ssrc);
    assert.equal(b.seq, (a.seq + 1) & 0xffff, `no sequence gap at packet ${i} (t=${b.t})`);
    const dts = (b.ts - a.ts) >>> 0;
    assert.ok(dts < 0x80000000, `timestamps never go back at packet ${i} (t=${b.t})`);
    const dpid = (b.pictureId - a.pictureId) & 0x7fff;
    assert.ok(dpid === 0 || dpid === 1, `picture ids continuous at packet ${i}: ${a.pictureId} -> ${b.pictureId}`);
    const dtl0 = (b.tl0 - a.tl0) & 0xff;
    assert.ok(dtl0 === 0 || dtl0 === 1, `TL0PICIDX continuous at packet ${i}: ${a.tl0} -> ${b.tl0}`);
    if (dpid === 1 && b.ts === a.ts) assert.fail(`a new picture has a new timestamp (packet ${i})`);
  }
}

test('q, then up to f, then down to h: switches at key frames only, one continuous stream', () => {
  const { consumer, sent, keyFrameRequests, play, target } = setup();
  // The recording's key frames (every layer) are at ~500, ~1310 and ~2100 ms.
  target(0, 0);
  assert.deepEqual(keyFrameRequests, ['q'], 'the target layer is asked for a key frame');
  play(0, 700);
  const firstSent = sent[0]!;
  assert.ok(firstSent.keyFrame, 'nothing goes out before the first key frame of the target layer');
  assert.ok(firstSent.t > 400, `started at ${firstSent.t} ms`);
  const upAt = 700;
  target(2, upAt);
  assert.equal(keyFrameRequests.at(-1), 'f');
  play(700, 1600);
  const downAt = 1600;
  target(1, downAt);
  assert.equal(keyFrameRequests.at(-1), 'h');
  play(1600, 4000);

  assertContinuous(sent, consumer.ssrc);
  const up = sent.find((s) => s.layer === 2)!;
  const down = sent.find((s) => s.t >= downAt && s.layer === 1)!;
  console.log(`switch up (q->f) ${Math.round(up.t - upAt)} ms after the target changed; down (f->h) ${Math.round(down.t - downAt)} ms (waiting for key frames)`);
  assert.equal(consumer.selector.current, 1, 'ends on h');
  // While waiting for f, q kept flowing: no silence between the target change and the switch.
  const waiting = sent.filter((s) => s.t >= upAt && s.t < up.t);
  assert.ok(waiting.length > 5 && waiting.every((s) => s.layer === 0), 'the current layer keeps flowing while the switch waits');
});

test("a subscriber not connected yet gets no key frame asked for: the one asked at the connection is not held behind a wasted one", () => {
  const { consumer, consumerOwner, keyFrameRequests, play, target } = setup({ connected: false });
  play(0, 300);
  target(0, 300);
  consumer.tick(350);
  consumer.tick(400);
  assert.deepEqual(keyFrameRequests, [], 'nothing asked while packets could not go out');
  consumerOwner.connected = true;
  consumer.requestKeyFrame(); // what the transport does when it connects
  assert.deepEqual(keyFrameRequests, ['q'], 'asked at once at the connection, not 500 ms after a request made before it');
});

test('every switch starts with a key frame of the layer switched to, right after the last picture of the old one', () => {
  const { sent, play, target } = setup();
  target(0, 0);
  play(0, 700);
  target(2, 700);
  play(700, 1600);
  target(1, 1600);
  play(1600, 4000);
  const switches = sent.filter((s, i) => i > 0 && s.layer !== sent[i - 1]!.layer);
  assert.deepEqual(switches.map((s) => s.layer), [2, 1], 'up to f, down to h');
  for (const s of switches) {
    assert.ok(s.keyFrame, `the switch to layer ${s.layer} at ${s.t} ms starts with a key frame`);
    const before = sent[sent.indexOf(s) - 1]!;
    assert.equal(s.pictureId, (before.pictureId + 1) & 0x7fff);
    assert.equal(s.tl0, (before.tl0 + 1) & 0xff);
  }
});

test("a switch keeps the timeline on capture time through the layers' Sender Reports, however late the key frame is forwarded", () => {
  const { producer, sent, play, target } = setup();
  target(0, 0);
  play(0, 700);
  // The recording's first pictures (~500 ms) were captured together on every layer: these are
  // their timestamps, and each layer's Sender Report says so for one NTP time.
  const captured = { q: 2268032567, h: 3048646832, f: 613993252 };
  for (const [rid, rtpTimestamp] of Object.entries(captured)) {
    const layer = producer.layerByRid(rid)!;
    producer.onSenderReport(layer, { ssrc: layer.ssrc, ntpSeconds: 3_900_000_000, ntpFraction: 0, rtpTimestamp, packetCount: 0, octetCount: 0 }, 700);
  }
  target(2, 700);
  play(700, 1600, undefined, { rid: 'f', ms: 300 }); // f's key frame is forwarded 300 ms after its capture
  const up = sent.findIndex((x) => x.layer === 2);
  const [lastQ, firstF] = [sent[up - 1]!, sent[up]!];
  const q = CHROMIUM_SIMULCAST_RTP.find(([t, rid]) => rid === 'q' && t >= lastQ.t - 1 && t <= lastQ.t + 1)!;
  const f = CHROMIUM_SIMULCAST_RTP.find(([t, rid]) => rid === 'f' && t + 300 === firstF.t)!;
  const sourceTs = (row: typeof q) => Buffer.from(row[4], 'hex').readUInt32BE(4);
  const capturedApart = ((sourceTs(f) - captured.f) - (sourceTs(q) - captured.q)) | 0;
  assert.equal((firstF.ts - lastQ.ts) | 0, capturedApart, 'our timestamps move by the capture time between the two pictures');
  assert.ok(capturedApart > 0 && capturedApart < 90 * 100, `one frame or so apart (${capturedApart / 90} ms)`);
});

/** A consumer receiving h from the start until `until` ms; `before`: how many packets it sent by then. */
function receivingH(until: number) {
  const parts = setup();
  parts.target(1, 0);
  parts.play(0, until);
  assert.ok(parts.sent.length > 10);
  return { ...parts, before: parts.sent.length };
}

test('hidden: nothing goes out at once; visible again: the layer restarts at its next key frame', () => {
  const { consumer, sent, play, target, keyFrameRequests, before } = receivingH(1000);
  target(-1, 1000);
  play(1000, 1200);
  assert.equal(sent.length, before, 'no bytes while hidden');
  assert.equal(consumer.neededLayers(), 0, 'a hidden tile needs no layer (dynacast)');
  target(1, 1200);
  assert.ok(keyFrameRequests.slice(-2).includes('h'), 'asked for a key frame of the layer to resume (and of a lower one flowing, to start sooner)');
  play(1200, 4000);
  const resumed = sent[before]!;
  assert.ok(resumed.keyFrame && resumed.t > 1200, 'resumes with a key frame');
  assertContinuous(sent, consumer.ssrc);
});

test('the publisher silent for a second (an outage): the layer restarts at its next key frame, with no gap for the receiver to wait on', () => {
  const { consumer, sent, play, keyFrameRequests, before } = receivingH(900);
  const asked = keyFrameRequests.length;
  // Nothing from 900 to 2000 ms arrives; the recording's next key frame is at ~2100 ms.
  play(2000, 4000);
  assert.ok(keyFrameRequests.length > asked, 'a key frame is asked for as soon as the publisher is heard again (the publisher makes one on every layer)');
  const resumed = sent[before]!;
  assert.ok(resumed.keyFrame && resumed.t > 2000, `resumes with a key frame (at ${resumed.t} ms), not with pictures whose references were lost`);
  assert.equal(resumed.layer, 1, 'on the layer it had');
  assertContinuous(sent, consumer.ssrc);
});

test('dynacast from the consumers: layers nobody receives go off after 3 s, a needed one comes on at once', () => {
  const { producer, play, target, layersTold } = setup();
  target(0, 0);
  play(0, 4000); // the consumer now receives q
  const t0 = performance.now();
  producer.tick(t0);
  assert.deepEqual(layersTold, [], 'nothing changes before the delay');
  producer.tick(t0 + 3100);
  assert.deepEqual(layersTold, ['q+ h- f-'], 'h and f are received by nobody');
  assert.equal(producer.layers[2]!.switchedOff, true);
  target(2, 4100); // someone wants f: on at once (q stays on while the switch waits)
  producer.tick(t0 + 3200);
  assert.deepEqual(layersTold.at(-1), 'q+ h- f+');
});

test('visible again while its layer is still off at the publisher: a lower layer that flows starts the picture, then the switch up', () => {
  const { consumer, sent, play, target, keyFrameRequests } = setup();
  target(-1, 0);
  play(0, 300, 'h'); // h is off at the publisher (dynacast); q and f flow for others
  target(1, 300);
  // One request to the encoder: libwebrtc drops a second within 300 ms, and the key frame the
  // first brings is on every layer (KeyFrameWindow); q's is held, answered by that key frame.
  assert.deepEqual(keyFrameRequests.slice(-1), ['h'], 'asks for the target');
  play(300, 1600, 'h');
  assert.ok(sent.length > 0 && sent.every((s) => s.layer === 0), 'q fills in while h is on its way');
  assert.equal(consumer.selector.target, 1);
  play(1600, 4000); // h comes back
  assert.equal(consumer.selector.current, 1, 'then h, at its key frame');
  assert.ok(sent[0]!.keyFrame);
  assertContinuous(sent, consumer.ssrc);
});

test("dynacast does not flap a layer the publisher's uplink cannot carry: f stays asked for while a tile wants it", () => {
  const { producer, consumer, layersTold } = setup();
  consumer.setTrackSettings({ visible: true, width: 1280, height: 720 }); // a large tile: f
  // The recording looped for 30 s without f, as from a publisher whose encoder dropped f for
  // want of uplink: sequence numbers and timestamps carry on from loop to loop.
  const span = 3000;
  const perLoop = new Map<string, number>();
  for (const [, rid] of CHROMIUM_SIMULCAST_RTP) perLoop.set(rid, (perLoop.get(rid) ?? 0) + 1);
  const t0 = performance.now(); // the producer's layers and dynacast started on this clock
  let nextAllocation = t0;
  const seen: number[] = [];
  for (let loop = 0; loop < 10; loop++) {
    for (const [rt, rid, , headerLength, hex] of CHROMIUM_SIMULCAST_RTP) {
      if (rid === 'f') continue;
      const now = t0 + loop * span + rt;
      const buf = Buffer.from(hex, 'hex');
      buf.writeUInt16BE((buf.readUInt16BE(2) + loop * perLoop.get(rid)!) & 0xffff, 2);
      buf.writeUInt32BE((buf.readUInt32BE(4) + loop * span * 90) >>> 0, 4);
      const layer = producer.layerByRid(rid)!;
      if (layer.ssrc < 0) producer.learnSsrc(layer, buf.readUInt32BE(8), false);
      producer.receive(layer, buf, buf.length, headerLength, now);
      // What the subscribe transport and the publish transport do on their ticks.
      while (nextAllocation <= now) {
        consumer.prepareAllocation(null, nextAllocation);
        allocate([consumer.allocation], Infinity);
        consumer.applyAllocation(nextAllocation);
        producer.tick(nextAllocation);
        seen.push(consumer.selector.current);
        nextAllocation += 500;
      }
    }
  }
  assert.ok(layersTold.every((told) => told.endsWith('f+')), `f is never switched off: ${layersTold.join(' | ')}`);
  assert.ok(layersTold.length <= 1, `at most q goes off, once (nobody receives it): ${layersTold.join(' | ')}`);
  assert.equal(consumer.selector.current, 1, 'the subscriber gets h, the best that arrives');
  assert.ok(seen.slice(-40).every((l) => l === 1), 'and stays on it');
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { MediaCounters } from '../MediaCounters';
import { PacketSlots } from './PacketSlots';
import { Pacer, type PacerOutput } from './Pacer';

/** Records what leaves: (time, first byte as a tag, length, cluster). */
class RecordingOutput implements PacerOutput {
  readonly sent: Array<{ atMs: number; tag: number; length: number; cluster: number }> = [];
  padding = true;
  sendNow(slot: Buffer, length: number, cluster: number): number {
    this.sent.push({ atMs: performance.now(), tag: slot[0]!, length, cluster });
    return length;
  }
  writePadding(slot: Buffer, padding: number): number {
    if (!this.padding) return 0;
    slot[0] = 0xa0;
    return 12 + padding;
  }
}

function packet(slots: PacketSlots, tag: number, length = 1200): Buffer {
  const slot = slots.take();
  slot.fill(tag, 0, length);
  return slot;
}

describe('Pacer', () => {
  it('without a rate (no estimate yet) lets everything through at once', () => {
    const out = new RecordingOutput();
    const slots = new PacketSlots(16);
    const pacer = new Pacer(out, slots, new MediaCounters());
    for (let i = 0; i < 10; i++) assert.ok(pacer.send(packet(slots, i), 1200, performance.now()));
    assert.equal(out.sent.length, 10);
    pacer.close();
  });

  it('spreads a key frame burst at the pacing rate, from its own copies, in order', async () => {
    const out = new RecordingOutput();
    const slots = new PacketSlots(16); // fewer slots than the burst: queued packets must not live in them
    const pacer = new Pacer(out, slots, new MediaCounters());
    pacer.setRate(1_000_000); // 125 bytes/ms: a 1200-byte packet every ~10 ms
    const start = performance.now();
    for (let i = 0; i < 10; i++) pacer.send(packet(slots, i), 1200, start);
    assert.ok(out.sent.length <= 3, `only what the budget allows (20 ms) leaves at once (${out.sent.length})`);
    await sleep(300);
    assert.equal(out.sent.length, 10);
    assert.deepEqual(out.sent.map((s) => s.tag), Array.from({ length: 10 }, (_, i) => i), 'in order, contents intact');
    const gaps = out.sent.slice(1).map((s, i) => s.atMs - out.sent[i]!.atMs);
    const spanMs = out.sent[9]!.atMs - start;
    // 12,000 bytes at 125 bytes/ms: ~80 ms after the first ~2.5 packets (timers may run late, never early).
    assert.ok(spanMs >= 55, `spread over ${spanMs.toFixed(0)} ms (gaps ${gaps.map((g) => g.toFixed(0)).join(', ')})`);
    pacer.close();
  });

  it("drops a stopped stream's queued video, and keeps the rest in order", async () => {
    const out = new RecordingOutput();
    const slots = new PacketSlots(64);
    const counters = new MediaCounters();
    const pacer = new Pacer(out, slots, counters);
    pacer.setRate(1_000_000);
    const start = performance.now();
    // packet() fills every byte with its tag, so the SSRC (bytes 8-11) is the tag four times.
    for (let i = 0; i < 20; i++) pacer.send(packet(slots, i % 3 === 0 ? 0x11 : 0x20 + i), 1200, start);
    const left = out.sent.length;
    const queued = pacer.queued;
    pacer.discard(0x11111111);
    const stopped = Array.from({ length: 20 }, (_, i) => i).filter((i) => i >= left && i % 3 === 0).length;
    assert.equal(pacer.queued, queued - stopped);
    assert.equal(pacer.dropped, stopped);
    assert.equal(counters.pacerDroppedPackets, stopped);
    await sleep(300);
    const expected = Array.from({ length: 20 }, (_, i) => i).filter((i) => i < left || i % 3 !== 0).map((i) => (i % 3 === 0 ? 0x11 : 0x20 + i));
    assert.deepEqual(out.sent.map((s) => s.tag), expected, 'the others leave in order, contents intact');
    pacer.close();
  });

  it('writes off what was sent ahead of the rate when told the bottleneck holds no more', async () => {
    const out = new RecordingOutput();
    const slots = new PacketSlots(64);
    const pacer = new Pacer(out, slots, new MediaCounters());
    pacer.setRate(400_000, 350); // 50 bytes/ms
    pacer.send(packet(slots, 0), 1200, performance.now());
    // Retransmissions answered at once before the link was known to be narrow: 24 kB owed, ~480 ms.
    for (let i = 0; i < 20; i++) pacer.sendNow(packet(slots, 1), 1200, performance.now());
    pacer.forgive(2000); // what a 40 ms queue holds at this rate
    const start = performance.now();
    pacer.send(packet(slots, 2), 1200, start);
    await sleep(150);
    const keyFrame = out.sent.find((s) => s.tag === 2);
    assert.ok(keyFrame !== undefined, 'the next video left within 150 ms, not ~480 ms behind what was owed');
    assert.ok(keyFrame.atMs - start >= 25, `but waited for what the queue holds (${(keyFrame.atMs - start).toFixed(0)} ms)`);
    pacer.close();
  });

  it('audio never waits behind queued video', () => {
    const out = new RecordingOutput();
    const slots = new PacketSlots(64);
    const pacer = new Pacer(out, slots, new MediaCounters());
    pacer.setRate(1_000_000);
    for (let i = 0; i < 20; i++) pacer.send(packet(slots, 1), 1200, performance.now());
    const before = out.sent.length;
    assert.ok(pacer.sendNow(packet(slots, 0xee, 100), 100, performance.now()));
    assert.equal(out.sent.length, before + 1);
    assert.equal(out.sent.at(-1)!.tag, 0xee);
    assert.ok(pacer.queued > 0);
    pacer.close();
  });

  it('keeps its rate when the thread is busy and its steps come late', async () => {
    // The cause of video lagging audio at Chromium subscribers: a step that came late sent only
    // one step's worth, so a busy thread paced below the media's own rate and queued up to 500 ms.
    const out = new RecordingOutput();
    const slots = new PacketSlots(64);
    const pacer = new Pacer(out, slots, new MediaCounters());
    pacer.setRate(2_000_000);
    // 1.44 Mbps offered, as frames of six 1200-byte packets every 40 ms (each frame more than the
    // 20 ms burst allowance, so its tail is queued), while the thread is busy 20 ms of every 25.
    const start = performance.now();
    let offered = 0;
    let maxQueueMs = 0;
    const feed = setInterval(() => {
      const now = performance.now();
      for (const due = Math.floor((now - start) / 40) * 6; offered < due; offered++) pacer.send(packet(slots, offered & 0xff), 1200, now);
      maxQueueMs = Math.max(maxQueueMs, pacer.queueMs(now));
    }, 1);
    const busy = setInterval(() => {
      const until = performance.now() + 20;
      while (performance.now() < until);
    }, 25);
    await sleep(1500);
    clearInterval(feed);
    clearInterval(busy);
    await sleep(300);
    console.log(`[measure] pacer_busy_thread_max_queue_ms=${maxQueueMs.toFixed(0)} offered=${offered} sent=${out.sent.length}`);
    assert.equal(pacer.dropped, 0, 'nothing waited long enough to be dropped');
    assert.equal(out.sent.length, offered, 'everything offered left');
    assert.deepEqual(out.sent.map((s) => s.tag), Array.from({ length: offered }, (_, i) => i & 0xff), 'in order');
    pacer.close();
  });

  it('drains a key frame too large for its rate within ~100 ms instead of dropping it', async () => {
    const out = new RecordingOutput();
    const slots = new PacketSlots(64);
    const pacer = new Pacer(out, slots, new MediaCounters());
    pacer.setRate(300_000); // 37.5 bytes/ms: this key frame would take 1.6 s, long past the 500 ms limit
    const start = performance.now();
    for (let i = 0; i < 50; i++) pacer.send(packet(slots, i), 1200, start);
    await sleep(600);
    assert.equal(pacer.dropped, 0);
    assert.equal(out.sent.length, 50, 'the whole key frame left');
    const spanMs = out.sent[49]!.atMs - start;
    assert.ok(spanMs >= 50, `still spread (${spanMs.toFixed(0)} ms), not sent as one burst`);
    pacer.close();
  });

  it('drops video that waited over 500 ms (a stalled thread), oldest first', async () => {
    const out = new RecordingOutput();
    const slots = new PacketSlots(64);
    const pacer = new Pacer(out, slots, new MediaCounters());
    pacer.setRate(1_000_000);
    const start = performance.now();
    for (let i = 0; i < 30; i++) pacer.send(packet(slots, i), 1200, start);
    const sentBefore = out.sent.length;
    while (performance.now() - start < 600); // the thread stalls: no step runs
    await sleep(50);
    assert.equal(pacer.dropped, 30 - sentBefore, 'everything still queued was too old');
    assert.equal(pacer.queued, 0);
    pacer.close();
  });

  it('sends a probe cluster at its target rate, numbered, at least 5 packets and 10 kB; none without padding', async () => {
    const out = new RecordingOutput();
    const pacer = new Pacer(out, new PacketSlots(64), new MediaCounters());
    assert.ok(pacer.probe(4_000_000, 7, performance.now()));
    await sleep(60);
    const probes = out.sent.filter((s) => s.cluster === 7);
    const bytes = probes.reduce((n, s) => n + s.length, 0);
    assert.ok(probes.length >= 5, `${probes.length} packets`);
    // 4 Mbps until 10 kB are out (20 ms; 15 ms would be only 7,500 bytes).
    assert.ok(bytes >= 10_000 && bytes <= 12_000, `${bytes} bytes`);
    const slow = new RecordingOutput();
    const slowPacer = new Pacer(slow, new PacketSlots(64), new MediaCounters());
    const start = performance.now();
    assert.ok(slowPacer.probe(1_000_000, 9, start));
    await sleep(150);
    const slowProbes = slow.sent.filter((s) => s.cluster === 9);
    const slowBytes = slowProbes.reduce((n, s) => n + s.length, 0);
    // 1 Mbps: 10 kB take 80 ms, spread, not sent in one burst.
    assert.ok(slowBytes >= 10_000 && slowBytes <= 12_000, `${slowBytes} bytes at 1 Mbps`);
    const spread = slowProbes.at(-1)!.atMs - slowProbes[0]!.atMs;
    assert.ok(spread >= 60, `sent over ${spread.toFixed(0)} ms`);
    slowPacer.close();
    out.padding = false;
    assert.equal(pacer.probe(4_000_000, 8, performance.now()), false);
    pacer.close();
  });

  it('numbers the media sent during a probe into its cluster, and pads only up to the target', async () => {
    const out = new RecordingOutput();
    const slots = new PacketSlots(64);
    const pacer = new Pacer(out, slots, new MediaCounters());
    pacer.setRate(2_000_000);
    assert.ok(pacer.probe(1_000_000, 9, performance.now()));
    for (let i = 0; i < 4; i++) assert.ok(pacer.sendNow(packet(slots, i + 1), 1200, performance.now()));
    assert.ok(pacer.send(packet(slots, 5), 1200, performance.now()));
    await sleep(150);
    const cluster = out.sent.filter((s) => s.cluster === 9);
    const media = cluster.filter((s) => s.tag !== 0xa0);
    const padding = cluster.filter((s) => s.tag === 0xa0).reduce((n, s) => n + s.length, 0);
    const bytes = cluster.reduce((n, s) => n + s.length, 0);
    assert.equal(media.length, 5, 'audio and video sent meanwhile are in the cluster');
    // 1 Mbps for 80 ms (10 kB) in all: the 6 kB of media leave 4 kB to pad, not 10.
    assert.ok(bytes >= 10_000 && bytes <= 12_000, `${bytes} bytes in the cluster`);
    assert.ok(padding <= 5_000, `${padding} bytes of padding`);
    assert.ok(pacer.sendNow(packet(slots, 6), 1200, performance.now()));
    assert.equal(out.sent.at(-1)!.cluster, -1, 'after the cluster, media is not numbered into it');
    pacer.close();
  });
});

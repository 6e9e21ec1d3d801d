import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { QueueDelay } from './QueueDelay';

const PACKET = 1200;

/** Feeds `count` packets sent every `sendEveryMs` through a FIFO of `linkBps` (tail drop beyond `queueMs`), `pathMs` one way. */
function throughLink(q: QueueDelay, count: number, sendEveryMs: number, linkBps: number, queueMs: number, startMs = 0, pathMs = 20): void {
  let linkFreeAt = startMs;
  for (let i = 0; i < count; i++) {
    const send = startMs + i * sendEveryMs;
    const start = Math.max(send, linkFreeAt);
    if (start - send > queueMs) {
      q.add(send, NaN, PACKET);
      continue;
    }
    linkFreeAt = start + (PACKET * 8000) / linkBps;
    q.add(send, linkFreeAt + pathMs, PACKET);
  }
}

describe('QueueDelay', () => {
  it('on a clean path measures no queue and no bottleneck', () => {
    const q = new QueueDelay();
    throughLink(q, 400, 5, 10e6, 100); // ~2 Mbit/s into 10
    assert.ok(q.ms < 2, `queued ${q.ms} ms`);
    assert.equal(q.narrowerThan(0.5), Infinity);
  });

  it('measures a link suddenly far narrower than what is sent, from what its standing queue lets through', () => {
    const q = new QueueDelay();
    throughLink(q, 200, 2.4, 50e6, 100); // 4 Mbit/s, clean
    assert.equal(q.narrowerThan(0.5), Infinity);
    throughLink(q, 60, 2.4, 400e3, 100, 1000); // the same into 400 kbit/s: ~145 ms of sending
    const measured = q.narrowerThan(0.5);
    assert.ok(q.ms > 60, `a standing queue (${q.ms} ms)`);
    assert.ok(measured > 360e3 && measured < 440e3, `measured ${Math.round(measured)} bit/s`);
  });

  it('reads the link from the queue\'s first drop on, when what arrived before it came through faster', () => {
    const q = new QueueDelay();
    throughLink(q, 200, 2.4, 50e6, 100); // 4 Mbit/s, clean: 20 ms one way
    // Queued 40 ms, but arriving at the 4 Mbit/s they were sent at: through before the link narrowed.
    for (let i = 0; i < 30; i++) q.add(1000 + i * 2.4, 1060 + i * 2.4, PACKET);
    // Then the queue is full: one in ten arrives, 24 ms apart (400 kbit/s).
    for (let i = 0; i < 40; i++) q.add(1072 + i * 2.4, i % 10 === 9 ? 1202 + Math.floor(i / 10) * 24 : NaN, PACKET);
    const measured = q.narrowerThan(0.5);
    assert.ok(measured > 360e3 && measured < 440e3, `measured ${Math.round(measured)} bit/s (the whole run reads 1.5 Mbit/s)`);
  });

  it('takes a receiver that stalls and then reports a burst for no bottleneck', () => {
    const q = new QueueDelay();
    for (let i = 0; i < 100; i++) q.add(i * 5, i * 5 + 20, PACKET);
    // 80 ms stalled: what was sent meanwhile is stamped at once when it resumes, then all is as before.
    let most = 0;
    for (let i = 100; i < 116; i++) {
      q.add(i * 5, 580 + 20 + (i - 100) * 0.05, PACKET);
      most = Math.max(most, q.ms);
      assert.equal(q.narrowerThan(0.5), Infinity, `no bottleneck after packet ${i}`);
    }
    assert.ok(most > 30, `looked queued (${most} ms)`);
  });

  it('takes a stall that slows arrivals but drops nothing for no bottleneck', () => {
    const q = new QueueDelay();
    throughLink(q, 200, 2.4, 50e6, 100);
    // For 150 ms packets come out 10 ms apart, queued behind the stall, none lost.
    for (let i = 0; i < 15; i++) q.add(1000 + i * 2.4, 1000 + 20 + 100 + i * 10, PACKET);
    assert.ok(q.ms > 60);
    assert.equal(q.narrowerThan(0.5), Infinity);
  });

  it('takes a sender sending little behind a queue it did not make for no bottleneck', () => {
    const q = new QueueDelay();
    for (let i = 0; i < 50; i++) q.add(i * 20, i * 20 + 20, PACKET);
    // Cross traffic keeps 60 ms queued: our packets still arrive 20 ms apart.
    for (let i = 50; i < 100; i++) q.add(i * 20, i * 20 + 80 + (i % 3), PACKET);
    assert.ok(q.ms > 30);
    assert.equal(q.narrowerThan(0.5), Infinity);
  });

  it('starts a new run once acted on', () => {
    const q = new QueueDelay();
    throughLink(q, 200, 2.4, 50e6, 100);
    throughLink(q, 60, 2.4, 400e3, 100, 1000);
    assert.ok(q.narrowerThan(0.5) < Infinity);
    q.restart();
    assert.equal(q.narrowerThan(0.5), Infinity);
  });
});

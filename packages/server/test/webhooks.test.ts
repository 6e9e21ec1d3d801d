/**
 * Webhook delivery (docs/webhooks.md) against real HTTP receivers on this machine's loopback:
 * signatures, order per room through failures and outages, rooms and URLs that do not wait for
 * each other, the queue bound and what it drops, hand-over and adoption of a moving room, close.
 * Run inside a network namespace with only loopback (scripts/run-tests.sh).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Registry } from 'prom-client';
import type { WebhookEvent } from '@confab/protocol';
import { freePort, sleep, waitUntil } from '@confab/loadtest';
import { createLogger } from '../src/service/logger';
import { WebhookMetrics } from '../src/service/metrics';
import { roomLife } from '../src/webhooks/testEvents';
import { WebhookNotifier, type WebhookNotifierOptions } from '../src/webhooks/WebhookNotifier';
import { WebhookReceiver } from './support/webhookReceiver';

const KEY = 'APIkey1';
const SECRET = 'a-secret-of-at-least-32-characters-long';
const T = 10_000;

/** A notifier with quick retries (50 ms doubling to 400 ms) and a short close grace, its metrics and its log. */
function node(urls: string[], options: Partial<WebhookNotifierOptions> = {}, apiSecret = SECRET) {
  const registry = new Registry();
  const metrics = new WebhookMetrics();
  metrics.registerIn(registry);
  const log: { msg: string; counts?: Record<string, number> }[] = [];
  const logger = createLogger('debug', 'test-node', { write: (line: string) => void log.push(JSON.parse(line) as (typeof log)[number]) });
  const notifier = new WebhookNotifier({ urls, apiKey: KEY, apiSecret, logger, metrics, options: { retryBaseMs: 50, retryMaxMs: 400, closeGraceMs: 200, ...options } });
  /** One sample's value, e.g. `confab_webhook_dropped_total{reason="queue_full"}`. */
  const metric = async (sample: string): Promise<number> => {
    const line = (await registry.metrics()).split('\n').find((l) => l.startsWith(`${sample} `));
    assert.ok(line, `no sample ${sample}`);
    return Number(line.slice(sample.length + 1));
  };
  /** Waits until a sample reads `value`. */
  const metricReaches = async (sample: string, value: number): Promise<void> => {
    for (const deadline = Date.now() + T; (await metric(sample)) !== value; await sleep(50)) {
      if (Date.now() > deadline) assert.fail(`${sample} is ${await metric(sample)}, not ${value}, after ${T} ms`);
    }
  };
  const logged = (msg: string) => log.filter((l) => l.msg === msg).length;
  return { notifier, metric, metricReaches, logged, log };
}

const ids = (events: WebhookEvent[]) => events.map((e) => e.id);
const seqs = (n: number, sid: string) => Array.from({ length: n }, (_, i) => `${sid}-${i + 1}`);

/**
 * Rooms (named by their sids) start, then people join: `perRoom` events each, the rooms taking
 * turns, `gapMs` between events.
 */
async function busyRooms(notifier: WebhookNotifier, sids: string[], perRoom: number, gapMs = 0): Promise<void> {
  const lives = sids.map(roomLife);
  for (let i = 0; i < perRoom; i++) {
    for (const [k, life] of lives.entries()) {
      notifier.emit(life(i === 0 ? 'room_started' : 'participant_joined', `p${k}-${i}`));
      if (gapMs > 0) await sleep(gapMs);
    }
  }
}

/** A closed port on this machine: connections to it are refused until a receiver listens there. */
async function deadUrl(): Promise<{ port: number; url: string }> {
  const port = await freePort();
  return { port, url: `http://127.0.0.1:${port}/hooks` };
}

test('each event is one POST of its JSON to every URL, signed with the API secret, accepted once', async () => {
  const [one, two] = [await WebhookReceiver.listen(KEY, SECRET), await WebhookReceiver.listen(KEY, SECRET)];
  const { notifier, metric, metricReaches } = node([one.url, two.url]);
  const wrong = node([one.url], {}, 'another-secret-of-at-least-32-characters');
  try {
    const a = roomLife('A');
    const events = [a('room_started'), a('participant_joined', 'p1'), a('track_published', 't1'), a('participant_left', 'p1'), a('room_finished')];
    for (const event of events) notifier.emit(event);
    await waitUntil(() => one.accepted().length === 5 && two.accepted().length === 5, T, 'both receivers have all five');
    for (const receiver of [one, two]) {
      assert.deepEqual(receiver.accepted(), events, 'in order, each once');
      assert.equal(receiver.requests.length, 5, 'no request more');
      assert.deepEqual(receiver.requests.map((r) => r.raw), events.map((e) => JSON.stringify(e)), 'the body is the JSON of the event');
      assert.ok(receiver.requests.every((r) => r.contentType === 'application/json'));
    }
    assert.equal(one.badSignatures + two.badSignatures, 0);
    // The receiver has answered; the notifier counts once the answer has come back.
    await metricReaches('confab_webhook_deliveries_total{result="ok"}', 10);
    assert.equal(await metric('confab_webhook_deliveries_total{result="failed"}'), 0);
    assert.equal(await metric('confab_webhook_latency_seconds_count'), 10);
    assert.equal(await metric('confab_webhook_queue_events'), 0);

    // The receiver's check is real: another secret's signature fails it (401, not retried).
    wrong.notifier.emit(roomLife('B')('room_started'));
    await waitUntil(() => one.badSignatures === 1, T, 'the wrongly signed request came');
    await waitUntil(() => one.requests.at(-1)?.status === 401, T, 'and was answered');
    await sleep(300);
    assert.equal(one.attempts('B-1'), 1);
    assert.equal(await wrong.metric('confab_webhook_dropped_total{reason="rejected"}'), 1);
  } finally {
    await Promise.all([notifier.close(), wrong.notifier.close(), one.close(), two.close()]);
  }
});

test('a receiver answering 500 for a while gets every event once and in order when it recovers', async () => {
  const receiver = await WebhookReceiver.listen(KEY, SECRET);
  const recoverAt = Date.now() + 700;
  receiver.answer = () => (Date.now() < recoverAt ? 500 : 200);
  const { notifier, metric, metricReaches, logged } = node([receiver.url]);
  try {
    await busyRooms(notifier, ['A', 'B'], 10, 10);
    await waitUntil(() => receiver.accepted().length === 20, T, () => `all twenty accepted: ${ids(receiver.accepted())}`);
    for (const sid of ['A', 'B']) {
      assert.deepEqual(ids(receiver.accepted(sid)), seqs(10, sid), `room ${sid}: no gap, no duplicate, in order`);
      // Strictly in order on the wire too: a room's next event was posted only after the one before was accepted.
      const tries = receiver.requests.filter((r) => r.event.room.sid === sid);
      for (let i = 1; i < tries.length; i++) {
        const [before, after] = [tries[i - 1]!, tries[i]!];
        assert.ok(after.event.seq === before.event.seq || (after.event.seq === before.event.seq + 1 && before.status === 200), `${before.event.id} (${before.status}) then ${after.event.id}`);
      }
    }
    await metricReaches('confab_webhook_deliveries_total{result="ok"}', 20);
    const failed = receiver.requests.filter((r) => r.status === 500).length;
    assert.ok(failed >= 2, `the outage was seen: ${failed} answers 500`);
    assert.equal(await metric('confab_webhook_deliveries_total{result="failed"}'), failed);
    assert.equal(await metric('confab_webhook_retries_total'), failed);
    assert.equal(logged('webhook POSTs failed; retrying with backoff'), 1, 'told once, not per failure');
  } finally {
    await notifier.close();
    await receiver.close();
  }
});

test("a receiver stalled on room A's event does not delay room B's", async () => {
  const receiver = await WebhookReceiver.listen(KEY, SECRET);
  let release = (_status: number) => {};
  const held = new Promise<number>((resolve) => (release = resolve));
  receiver.answer = (event) => (event.id === 'A-1' ? held : 200);
  const { notifier } = node([receiver.url], { requestTimeoutMs: 30_000 });
  try {
    const [a, b] = [roomLife('A'), roomLife('B')];
    notifier.emit(a('room_started'));
    notifier.emit(a('participant_joined', 'p1'));
    for (let i = 0; i < 5; i++) notifier.emit(b(i === 0 ? 'room_started' : 'participant_joined', `p${i}`));
    await waitUntil(() => receiver.accepted('B').length === 5, T, 'room B delivered');
    assert.equal(receiver.requests.find((r) => r.event.id === 'A-1')?.status, 0, 'while A-1 is still held');
    assert.deepEqual(ids(receiver.accepted('B')), seqs(5, 'B'));
    assert.equal(receiver.attempts('A-2'), 0, "room A's next event waits behind its first");
    release(200);
    await waitUntil(() => receiver.accepted('A').length === 2, T, 'room A delivered once released');
    assert.deepEqual(ids(receiver.accepted('A')), seqs(2, 'A'));
  } finally {
    release(200);
    await notifier.close();
    await receiver.close();
  }
});

test('with two URLs, one dead, the other gets everything at once', async () => {
  const receiver = await WebhookReceiver.listen(KEY, SECRET);
  const dead = await deadUrl();
  const { notifier, metric, metricReaches } = node([dead.url, receiver.url]);
  try {
    await busyRooms(notifier, ['A'], 10);
    await waitUntil(() => receiver.accepted().length === 10, T, 'the live receiver has all');
    assert.deepEqual(ids(receiver.accepted()), seqs(10, 'A'));
    await metricReaches('confab_webhook_queue_events', 10);
    assert.ok((await metric('confab_webhook_retries_total')) >= 1, 'while the dead one, tried and tried again, still has all ten waiting');
  } finally {
    await notifier.close();
    await receiver.close();
  }
});

test('a receiver that is down (port closed) and comes up gets everything, in order', async () => {
  const dead = await deadUrl();
  const { notifier, metric, metricReaches, logged } = node([dead.url]);
  let receiver: WebhookReceiver | undefined;
  try {
    await busyRooms(notifier, ['A', 'B'], 5);
    await sleep(500);
    assert.ok((await metric('confab_webhook_retries_total')) >= 4, 'retried while down');
    assert.equal(logged('webhook POSTs failed; retrying with backoff'), 1, 'told once, not per failure');
    receiver = await WebhookReceiver.listen(KEY, SECRET, dead.port);
    const up = receiver;
    await waitUntil(() => up.accepted().length === 10, T, () => `all ten: ${ids(up.accepted())}`);
    assert.deepEqual(ids(up.accepted('A')), seqs(5, 'A'));
    assert.deepEqual(ids(up.accepted('B')), seqs(5, 'B'));
    await metricReaches('confab_webhook_queue_events', 0);
    assert.equal(up.requests.length, 10, 'each once');
  } finally {
    await notifier.close();
    await receiver?.close();
  }
});

test('queue bound: the receiver behind loses its oldest events, counted and warned once, never a participant_left without its participant_joined', async () => {
  const healthy = await WebhookReceiver.listen(KEY, SECRET);
  const dead = await deadUrl();
  const bound = 6;
  const { notifier, metric, metricReaches, logged, log } = node([healthy.url, dead.url], { maxQueued: bound, warningIntervalMs: 60_000 });
  let late: WebhookReceiver | undefined;
  try {
    // People come and go: j1 j2 l1 j3 l2 ... j8 l7 l8, then the room ends.
    const a = roomLife('A');
    const events = [a('room_started'), a('participant_joined', 'p1')];
    for (let i = 2; i <= 8; i++) events.push(a('participant_joined', `p${i}`), a('participant_left', `p${i - 1}`));
    events.push(a('participant_left', 'p8'), a('room_finished'));
    let most = 0;
    for (const event of events) {
      notifier.emit(event);
      most = Math.max(most, await metric('confab_webhook_queue_events'));
      await sleep(15);
    }
    assert.ok(most <= bound, `never more than ${bound} waiting: ${most}`);
    await waitUntil(() => healthy.accepted().length === events.length, T, 'the healthy receiver has everything');
    assert.deepEqual(healthy.accepted(), events, 'the receiver that keeps up loses nothing');

    late = await WebhookReceiver.listen(KEY, SECRET, dead.port);
    await metricReaches('confab_webhook_queue_events', 0);
    const got = late.accepted();
    const dropped = await metric('confab_webhook_dropped_total{reason="queue_full"}');
    assert.equal(dropped, events.length - got.length, `every event missing is counted: got ${ids(got)}`);
    assert.ok(dropped >= 5, `the bound was hit: ${dropped}`);
    assert.deepEqual(got.map((e) => e.seq), [...got.map((e) => e.seq)].sort((x, y) => x - y), 'what remains is in order');
    assert.equal(late.requests.length, got.length, 'each once');
    assert.equal(got.at(-1)?.event, 'room_finished', 'the newest are kept');
    const joined = new Set(got.filter((e) => e.event === 'participant_joined').map((e) => e.participant!.id));
    const lefts = events.filter((e) => e.event === 'participant_left');
    for (const left of got.filter((e) => e.event === 'participant_left')) assert.ok(joined.has(left.participant!.id), `${left.id}: left of ${left.participant!.id} without its joined`);
    assert.ok(
      lefts.some((l) => !joined.has(l.participant!.id) && events.indexOf(l) > events.length - bound),
      'a recent participant_left was dropped because its participant_joined was (else this test proves nothing)',
    );
    assert.equal(logged('webhook deliveries dropped'), 1, 'one warning line for many drops');
    await notifier.close();
    const told = log.filter((l) => l.msg === 'webhook deliveries dropped').map((l) => l.counts?.queue_full ?? 0);
    assert.deepEqual([told.length, told.reduce((x, y) => x + y)], [2, dropped], 'the rest counted into one more line, told at close');
  } finally {
    await notifier.close();
    await Promise.all([healthy.close(), late?.close()]);
  }
});

test('an event still undelivered after the maximum age is given up, and its participant_left with it', async () => {
  const dead = await deadUrl();
  const { notifier, metric, metricReaches } = node([dead.url], { maxAgeMs: 300 });
  let receiver: WebhookReceiver | undefined;
  try {
    const a = roomLife('A');
    notifier.emit(a('participant_joined', 'p1'));
    await metricReaches('confab_webhook_dropped_total{reason="gave_up"}', 1);
    receiver = await WebhookReceiver.listen(KEY, SECRET, dead.port);
    const up = receiver;
    notifier.emit(a('participant_left', 'p1'));
    notifier.emit(a('track_published', 't1'));
    await waitUntil(() => up.accepted().length === 1, T, 'the later event goes');
    await sleep(200);
    assert.deepEqual(ids(up.requests.map((r) => r.event)), ['A-3']);
    assert.equal(await metric('confab_webhook_dropped_total{reason="gave_up"}'), 2);
  } finally {
    await notifier.close();
    await receiver?.close();
  }
});

test('a 4xx is not retried: dropped as rejected, its participant_left too, and the room goes on', async () => {
  const receiver = await WebhookReceiver.listen(KEY, SECRET);
  receiver.answer = (event) => (event.id === 'A-2' ? 422 : 200);
  const { notifier, metric } = node([receiver.url]);
  try {
    const a = roomLife('A');
    for (const event of [a('room_started'), a('participant_joined', 'p1'), a('participant_joined', 'p2'), a('participant_left', 'p1'), a('participant_left', 'p2')]) notifier.emit(event);
    await waitUntil(() => receiver.accepted().length === 3, T, 'the others are accepted');
    await sleep(300);
    assert.deepEqual(ids(receiver.requests.map((r) => r.event)), ['A-1', 'A-2', 'A-3', 'A-5'], 'A-2 once; A-4 (p1 left) never sent');
    assert.equal(await metric('confab_webhook_dropped_total{reason="rejected"}'), 2);
    assert.equal(await metric('confab_webhook_retries_total'), 0);
  } finally {
    await notifier.close();
    await receiver.close();
  }
});

test('handOver waits for the post in flight, returns what is undelivered, and nothing more is sent from here; the new node adopts it first', async () => {
  const receiver = await WebhookReceiver.listen(KEY, SECRET);
  // A-1 fails once; its second try is held 300 ms and accepted; on this node the rest fail.
  receiver.answer = async (event, attempt) => {
    if (event.id !== 'A-1') return 503;
    if (attempt === 1) return 503;
    await sleep(300);
    return 200;
  };
  const first = node([receiver.url]);
  const second = node([receiver.url]);
  try {
    const [a, b] = [roomLife('A'), roomLife('B')];
    for (const event of [a('room_started'), a('participant_joined', 'p1'), a('track_published', 't1')]) first.notifier.emit(event);
    await waitUntil(() => receiver.attempts('A-1') === 2, T, 'A-1 retried');
    const undelivered = await first.notifier.handOver('A');
    assert.deepEqual(ids(undelivered), ['A-2', 'A-3'], 'handOver waited for A-1 in flight, accepted meanwhile');
    assert.equal(await first.metric('confab_webhook_queue_events'), 0);
    const sent = receiver.requests.length;
    first.notifier.emit(b('room_started'));
    await waitUntil(() => receiver.requests.some((r) => r.event.id === 'B-1'), T, 'other rooms carry on');
    await sleep(600);
    assert.deepEqual(receiver.requests.slice(sent).map((r) => r.event.room.sid).filter((sid) => sid === 'A'), [], 'nothing more for room A from the old node');

    // The new node: A-2 held 200 ms; A-4, emitted after adopting, still comes after.
    receiver.answer = async (event) => {
      if (event.id === 'A-2') await sleep(200);
      return 200;
    };
    second.notifier.adopt(undelivered);
    second.notifier.emit(a('participant_left', 'p1'));
    await waitUntil(() => receiver.accepted('A').length === 4, T, () => `room A complete: ${ids(receiver.accepted('A'))}`);
    assert.deepEqual(ids(receiver.accepted('A')), seqs(4, 'A'));
  } finally {
    await Promise.all([first.notifier.close(), second.notifier.close()]);
    await receiver.close();
  }
});

test('close lets queued deliveries go out first, within a short grace', async () => {
  const receiver = await WebhookReceiver.listen(KEY, SECRET);
  receiver.answer = async () => {
    await sleep(100);
    return 200;
  };
  const dead = await deadUrl();
  const live = node([receiver.url], { closeGraceMs: 3_000 });
  const stuck = node([dead.url], { closeGraceMs: 300 });
  try {
    const a = roomLife('A');
    for (const event of [a('participant_left', 'p1'), a('participant_left', 'p2'), a('room_finished')]) {
      live.notifier.emit(event);
      stuck.notifier.emit(event);
    }
    let start = Date.now();
    await live.notifier.close();
    const took = Date.now() - start;
    assert.deepEqual(ids(receiver.accepted()), seqs(3, 'A'), 'the last events of the room were delivered');
    assert.ok(took < 3_000, `close waited for them, not for the whole grace: ${took} ms`);

    start = Date.now();
    await stuck.notifier.close();
    const gave = Date.now() - start;
    assert.ok(gave >= 250 && gave < 2_500, `a dead receiver gets the grace, no more: ${gave} ms`);
    assert.equal(stuck.logged('webhooks closed with deliveries undelivered: they are lost'), 1);
  } finally {
    await Promise.all([live.notifier.close(), stuck.notifier.close()]);
    await receiver.close();
  }
});

test('measure: delivery latency of 200 events in 20 rooms to a healthy receiver', async () => {
  const receiver = await WebhookReceiver.listen(KEY, SECRET);
  const { notifier, metricReaches } = node([receiver.url]);
  try {
    await busyRooms(notifier, Array.from({ length: 20 }, (_, i) => `R${i}`), 10, 2);
    await waitUntil(() => receiver.accepted().length === 200, T, 'all 200 delivered');
    const latencies = receiver.requests.map((r) => r.at - r.event.createdAt).sort((x, y) => x - y);
    const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))]!;
    console.log(`[measure] webhook_latency_ms p50=${at(0.5)} p99=${at(0.99)} max=${latencies.at(-1)} (200 events, 20 rooms, one every ~2 ms, loopback)`);
    await metricReaches('confab_webhook_latency_seconds_count', 200);
  } finally {
    await notifier.close();
    await receiver.close();
  }
});

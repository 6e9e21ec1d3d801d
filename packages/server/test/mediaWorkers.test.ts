import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HeadlessParticipant, ServerProcess, waitUntil, withTimeout } from '@confab/loadtest';
import { CRASHING_ENGINE, crashMediaWorker } from './support/crashingEngine';
import { startWorkerServer } from './support/workerServer';

// The real server with media on worker threads, and headless participants in two rooms.

const T = 30_000;

/** A publisher (camera + microphone) and a subscriber in `room`, the subscriber receiving both tracks. */
async function call(url: string, room: string) {
  const publisher = new HeadlessParticipant({ url, room, name: `${room}-pub` });
  const subscriber = new HeadlessParticipant({ url, room, name: `${room}-sub` });
  const all = [publisher, subscriber];
  try {
    await publisher.join();
    await publisher.publishMicrophone();
    await publisher.publishCamera();
    await subscriber.join();
    await waitUntil(() => receiving(subscriber), T, `${room}: subscriber receiving both tracks`);
  } catch (error) {
    await closeAll(all); // a failed call must not leave its sockets holding the test process open
    throw error;
  }
  return { publisher, subscriber, all };
}

function receiving(subscriber: HeadlessParticipant): boolean {
  const packets = subscriber.receivedPackets();
  return packets.length === 2 && packets.every((n) => n > 0);
}

/** Both of the subscriber's tracks gain packets from now on. */
async function stillReceiving(subscriber: HeadlessParticipant, what: string): Promise<void> {
  const before = subscriber.receivedPackets();
  await waitUntil(() => subscriber.receivedPackets().every((n, i) => n > (before[i] ?? 0) + 20), T, what);
}

async function closeAll(participants: HeadlessParticipant[]): Promise<void> {
  await Promise.allSettled(participants.map((p) => withTimeout(p.close(), 5_000, 'close')));
}

test('CONFAB_MEDIA_WORKERS=2: two rooms go to two workers, and each call forwards', async () => {
  const server = await ServerProcess.start({ env: { CONFAB_MEDIA_WORKERS: '2' } });
  const participants: HeadlessParticipant[] = [];
  try {
    for (const room of ['north', 'south']) participants.push(...(await call(server.rtcUrl, room)).all);
    const [, northSub, , southSub] = participants as [HeadlessParticipant, HeadlessParticipant, HeadlessParticipant, HeadlessParticipant];
    await Promise.all([stillReceiving(northSub, 'north forwarding'), stillReceiving(southSub, 'south forwarding')]);
    const metrics = await server.metrics();
    for (const worker of ['0', '1']) {
      assert.equal(metrics.get(`confab_media_worker_routers{worker="${worker}"}`), 1, `one room on worker ${worker}`);
      // Transports are made on first use: the publisher's to publish, the subscriber's to receive.
      assert.equal(metrics.get(`confab_media_worker_transports{worker="${worker}"}`), 2);
      assert.ok((metrics.get(`confab_media_worker_rtp_packets_forwarded{worker="${worker}"}`) ?? 0) > 0, `worker ${worker} forwards`);
    }
    assert.equal(metrics.get('confab_media_transports'), 4);
    assert.deepEqual(participants.flatMap((p) => p.errors), []);
  } catch (error) {
    console.error(server.output.slice(-20).join('\n'));
    throw error;
  } finally {
    await closeAll(participants);
    await server.stop();
  }
});

test('a media worker that dies fails only its room: members are told to join again, the other call carries on', async () => {
  const server = await startWorkerServer(2, CRASHING_ENGINE);
  const participants: HeadlessParticipant[] = [];
  try {
    const left = await call(server.wsUrl, 'left');
    const right = await call(server.wsUrl, 'right');
    participants.push(...left.all, ...right.all);
    assert.deepEqual(server.media.stats().workers?.map((w) => w.routers), [1, 1], 'one room per worker');

    crashMediaWorker('left');
    const told = (p: HeadlessParticipant) => p.errors.includes('server error unavailable: media for room "left" failed; join it again to start a fresh one');
    await waitUntil(() => left.all.every(told), T, 'both members of the failed room told');
    await stillReceiving(right.subscriber, 'the other room, after the crash');
    assert.deepEqual(right.all.flatMap((p) => p.errors), [], 'the other room saw nothing');
    assert.ok(server.logs.some((l) => l.msg === 'media worker died; its rooms fail, the others carry on'), 'operators are told');
    assert.equal((await fetch(`${server.httpUrl}/healthz`)).status, 200, 'the node carries on');

    // Joining again starts a fresh room on a live worker, and media flows there.
    const again = await call(server.wsUrl, 'left');
    participants.push(...again.all);
    await stillReceiving(again.subscriber, 'the room joined again');
    await stillReceiving(right.subscriber, 'the other room, still');
    const workers = server.media.stats().workers!;
    assert.equal(workers.reduce((n, w) => n + w.restarts, 0), 1, 'one worker was replaced');
    assert.equal(workers.reduce((n, w) => n + w.routers, 0), 2);
  } finally {
    await closeAll(participants);
    await server.stop();
  }
});

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { HeadlessParticipant, ServerProcess, waitUntil } from '../src/index';

/**
 * Headless participants against the real server (child process) over loopback.
 * Run inside a namespace with only `lo`:
 *   unshare -n sh -c 'ip link set lo up; exec node --import tsx --test packages/loadtest/test/headless.test.ts'
 */

let server: ServerProcess;
const participants: HeadlessParticipant[] = [];

before(async () => {
  server = await ServerProcess.start({ logLevel: 'warn' });
});

after(async () => {
  await Promise.allSettled(participants.map((p) => p.close()));
  await server?.stop();
});

function participant(name: string, room: string): HeadlessParticipant {
  const p = new HeadlessParticipant({ url: server.rtcUrl, room, name });
  participants.push(p);
  return p;
}

function describe(p: HeadlessParticipant): string {
  return JSON.stringify(p.stats()) + `\nserver output:\n${server.output.slice(-20).join('\n')}`;
}

test('one publisher (mic + camera) reaches two subscribers; a late subscriber triggers a PLI', { timeout: 90_000 }, async () => {
  const room = 'headless-test';
  const alice = participant('alice', room);
  await alice.join();
  await alice.publishMicrophone();
  const camera = await alice.publishCamera({ bitrate: 300_000, keyFrameIntervalSeconds: 60 });

  const subscribers = [participant('bob', room), participant('carol', room)];
  await Promise.all(subscribers.map((s) => s.join()));
  for (const s of subscribers) {
    assert.ok(s.others.has(alice.id!), `${s.name} sees alice in joined`);
    await waitUntil(() => s.receivingTracks() === 2, 15_000, `${s.name} offered both tracks`).catch((error: Error) => {
      throw new Error(`${error.message}\n${describe(s)}`);
    });
    await waitUntil(() => s.receivedPackets().every((n) => n > 0), 20_000, `${s.name} receives RTP on both tracks`).catch(
      (error: Error) => {
        throw new Error(`${error.message}\n${describe(s)}`);
      },
    );
  }

  // Counts keep rising on both tracks for both subscribers.
  const before = subscribers.map((s) => s.receivedPackets());
  await new Promise((resolve) => setTimeout(resolve, 1_500));
  subscribers.forEach((s, i) => {
    const now = s.receivedPackets();
    now.forEach((n, t) => assert.ok(n > before[i]![t]!, `${s.name} track ${t}: ${before[i]![t]} -> ${n}`));
    const stats = s.stats();
    const kinds = stats.received.map((r) => r.kind).sort();
    assert.deepEqual(kinds, ['audio', 'video']);
    for (const r of stats.received) assert.equal(r.participantId, alice.id, 'tracks are attributed to alice');
    const video = stats.received.find((r) => r.kind === 'video')!;
    assert.ok(video.keyFrames > 0, `${s.name} saw a key frame`);
  });

  // A subscriber joining later needs a key frame: the server asks alice for one.
  const plisBefore = camera.plis;
  const dave = participant('dave', room);
  await dave.join();
  await waitUntil(() => dave.receivedPackets().length === 2 && dave.receivedPackets().every((n) => n > 0), 20_000, 'dave receives').catch(
    (error: Error) => {
      throw new Error(`${error.message}\n${describe(dave)}`);
    },
  );
  await waitUntil(() => camera.plis > plisBefore, 10_000, 'alice gets a PLI after dave joined').catch((error: Error) => {
    throw new Error(`${error.message}\n${describe(alice)}`);
  });
  const daveVideo = () => dave.stats().received.find((r) => r.kind === 'video');
  await waitUntil(() => (daveVideo()?.keyFrames ?? 0) > 0, 5_000, 'dave receives a key frame');

  // Chat goes to everyone, sender included; leave is acknowledged and others see it.
  await alice.chat('hello from a headless participant');
  await waitUntil(() => subscribers.every((s) => s.chats.some((c) => c.text === 'hello from a headless participant')), 5_000, 'chat delivered');
  await dave.leave();
  await waitUntil(() => !alice.others.has(dave.id!), 5_000, 'alice sees dave leave');
  for (const p of participants) assert.deepEqual(p.errors, [], `${p.name} had no errors`);
});

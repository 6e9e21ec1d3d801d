import assert from 'node:assert/strict';
import { afterEach, beforeEach, mock, test } from 'node:test';
import type { TrackId } from '@confab/protocol';
import type { Participant } from './Participant';
import { REPUBLISH_WINDOW_MS, type Room } from './Room';
import { decodeRoomSnapshot, encodeRoomSnapshot, RoomSnapshotError, type RoomSnapshot } from './RoomSnapshot';
import { inbox, join, makeRoom, RecordingConsumer, RecordingRouter, resume } from './testRoom';

type Inbox = ReturnType<typeof inbox>;

// The rooms' timers (resume and republish windows) run on a mock clock: tests move it on when they mean to.
beforeEach(() => mock.timers.enable({ apis: ['setTimeout'] }));
afterEach(() => mock.timers.reset());

/** Ann (camera published, status away, muted microphone) and Bob (watching Ann's camera small) in room A. */
async function roomWithCall() {
  const a = makeRoom();
  const ann = inbox();
  const bob = inbox();
  const annP = await a.room.join(join('Ann'), ann.sink);
  const bobP = await a.room.join(join('Bob'), bob.sink);
  await a.room.handle(annP.id, { type: 'publish', id: 2, source: 'camera', mid: '0' });
  await a.room.handle(annP.id, { type: 'publish', id: 3, source: 'microphone', mid: '1', muted: true });
  await a.room.handle(annP.id, { type: 'status', id: 4, status: 'away' });
  await a.room.handle(bobP.id, { type: 'chat', id: 2, text: 'hello before the move' });
  const camera = annP.tracks.get('camera')!.info.id;
  await a.room.handle(bobP.id, { type: 'track_settings', id: 3, trackId: camera, visible: true, width: 320, height: 180 });
  return { a, ann, bob, annP, bobP, camera };
}

/** The highest sequence number `box` has received. */
const lastSeq = (box: Inbox): number => Math.max(0, ...box.seqs.filter((s): s is number => s !== undefined));

/** Exports room A and adopts the snapshot in a new room B, through the wire form. */
async function move(from: Room): Promise<{ b: ReturnType<typeof makeRoom>; snapshot: RoomSnapshot }> {
  const snapshot = decodeRoomSnapshot(encodeRoomSnapshot(await from.exportSnapshot()));
  const b = makeRoom();
  b.room.restore(snapshot);
  return { b, snapshot };
}

const participant = (room: Room, id: string): Participant => (room as unknown as { participants: Map<string, Participant> }).participants.get(id)!;

test('a moved room: same people, statuses, tracks and requests done; resumes continue the numbering; nobody sees a leave or a join', async () => {
  const { a, ann, bob, annP, bobP, camera } = await roomWithCall();
  const bobSeen = lastSeq(bob);
  const annSeen = lastSeq(ann) - 1; // Bob's chat, the last message to Ann, was lost in the move
  const { b, snapshot } = await move(a.room);
  assert.equal(snapshot.participants.length, 2);

  const bobAgain = inbox();
  await b.room.resume(resume(bobP, bobSeen), bobAgain.sink);
  const resumed = bobAgain.ofType('resumed')[0]!;
  assert.deepEqual(resumed, { type: 'resumed', id: 50, lastRequestId: 3, iceServers: [], mediaReset: true });
  assert.equal(bobAgain.messages.filter((m) => m.type !== 'resumed' && m.type !== 'connection_quality').length, 0, 'nothing to replay');

  const annAgain = inbox();
  await b.room.resume(resume(annP, annSeen), annAgain.sink);
  assert.equal(annAgain.ofType('resumed')[0]!.mediaReset, true);
  assert.deepEqual(annAgain.ofType('chat').map((m) => m.text), ['hello before the move'], 'what Ann missed is replayed');
  assert.equal(annAgain.seqs[1], annSeen + 1, 'with its old number');

  // Presence as it was: status, mute state and track ids, in everyone's view.
  await b.room.handle(bobP.id, { type: 'status', id: 4, status: 'busy' });
  const update = annAgain.ofType('participant_updated').at(-1)!;
  assert.equal(update.participant.name, 'Bob');
  assert.equal(bobAgain.seqs.at(-1), bobSeen + 2, 'numbering goes on after the snapshot (participant_updated, ack)');
  const annInfo = participant(b.room, annP.id).info();
  assert.equal(annInfo.status, 'away');
  assert.equal(annInfo.joinedAt, annP.joinedAt);
  assert.deepEqual(annInfo.tracks.map((t) => [t.source, t.id, t.muted]).sort(), [
    ['camera', camera, false],
    ['microphone', annP.tracks.get('microphone')!.info.id, true],
  ].sort());
  // A request the old node did is not done again; a new one is.
  await b.room.handle(bobP.id, { type: 'chat', id: 2, text: 'hello before the move' });
  await b.room.handle(bobP.id, { type: 'chat', id: 5, text: 'hello after the move' });
  assert.deepEqual(annAgain.ofType('chat').map((m) => m.text), ['hello before the move', 'hello after the move']);
  for (const box of [ann, bob, annAgain, bobAgain]) {
    assert.equal(box.ofType('participant_left').length, 0);
    assert.equal(box.ofType('participant_joined').length, box === ann ? 1 : 0);
  }
  assert.equal(b.room.size, 2);
});

test('a moving room does nothing more: commands unanswered, joins and resumes refused, nothing sent; release ends connections as moved', async () => {
  const { a, ann, bob, annP, bobP } = await roomWithCall();
  await a.room.exportSnapshot();
  assert.equal(a.room.isMoving, true);
  const [annBefore, bobBefore] = [ann.messages.length, bob.messages.length];
  await a.room.handle(bobP.id, { type: 'chat', id: 9, text: 'lost in the move' });
  await a.room.connectionLost(annP.id, ann.sink);
  const producer = annP.tracks.get('camera')!.producer as unknown as { options: { onSubscribedLayers(l: unknown[]): void } };
  producer.options.onSubscribedLayers([{ rid: 'q', active: true }]); // media keeps running until release
  assert.equal(ann.messages.length, annBefore, 'the numbers after the snapshot belong to the new node');
  assert.equal(bob.messages.length, bobBefore);
  await assert.rejects(a.room.join(join('Carol'), inbox().sink), { code: 'unavailable' });
  await assert.rejects(a.room.resume(resume(annP, 0), inbox().sink), { code: 'unavailable' });
  await assert.rejects(a.room.exportSnapshot(), { code: 'unavailable' });

  await a.room.release();
  assert.deepEqual([ann.sink.ended, bob.sink.ended], ['moved', 'moved'], "a connection lost during the move is the new node's business");
  assert.ok(a.router.closed, 'the old node gives its media back');
  assert.ok(a.router.transports.every((t) => t.state === 'closed'));
  assert.equal(a.closedCount(), 1);
  assert.equal(bob.ofType('participant_left').length, 0);
});

test('who leaves between the export and the release leaves the new node at once, as left; the others stay', async () => {
  const { a, ann, bob, annP, bobP } = await roomWithCall();
  const snapshot = decodeRoomSnapshot(encodeRoomSnapshot(await a.room.exportSnapshot()));
  await a.room.handle(bobP.id, { type: 'leave', id: 9 }); // the client's last word: it will not resume
  await a.room.connectionClosed(bobP.id, bob.sink);
  await a.room.connectionLost(annP.id, ann.sink); // lost, not gone: Ann resumes at the new node
  const b = makeRoom();
  b.room.restore(snapshot);
  const annAgain = inbox();
  await b.room.resume(resume(annP, lastSeq(ann)), annAgain.sink);
  const departed = await a.room.release();
  assert.deepEqual(departed, [bobP.id]);
  assert.equal(bob.ofType('ack').some((m) => m.id === 9), false, 'nothing more is said on the old node');

  await b.room.departed(departed);
  assert.deepEqual(annAgain.ofType('participant_left'), [{ type: 'participant_left', participantId: bobP.id, reason: 'left' }], 'at once, not after the resume window');
  assert.equal(b.room.size, 1);
  assert.equal(b.router.transports.filter((t) => t.id.startsWith(bobP.id)).every((t) => t.state === 'closed'), true, "Bob's new transports are given back");
  await b.room.departed([annP.id]);
  assert.equal(b.room.size, 1, 'one who resumed here is not removed');
});

test('published again on the new node, a track keeps its id: the others receive it with their settings, no new track_published', async () => {
  const { a, ann, bob, annP, bobP, camera } = await roomWithCall();
  const { b } = await move(a.room);
  const annAgain = inbox();
  const bobAgain = inbox();
  await b.room.resume(resume(bobP, lastSeq(bob)), bobAgain.sink);
  await b.room.resume(resume(annP, lastSeq(ann)), annAgain.sink);
  const before = bobAgain.messages.length;

  await b.room.handle(annP.id, { type: 'publish', id: 10, source: 'camera', mid: '0' });
  await b.room.handle(annP.id, { type: 'publish', id: 11, source: 'microphone', mid: '1' }); // unmuted meanwhile
  assert.deepEqual(annAgain.ofType('track_published').map((m) => m.track.id), [camera, participant(b.room, annP.id).tracks.get('microphone')!.info.id]);
  const news = bobAgain.messages.slice(before).map((m) => m.type);
  assert.deepEqual(news, ['track_muted'], 'Bob already knows both tracks; only the changed mute state is news');
  const bobOnB = participant(b.room, bobP.id);
  const consumer = bobOnB.consumers.get(camera) as RecordingConsumer;
  assert.deepEqual(consumer.settings, { visible: true, width: 320, height: 180 }, 'Bob asked for a small video before the move');
  assert.equal(b.router.transports.find((t) => t.id === `${bobP.id}/subscribe`)!.consumers.length, 2);
});

test('tracks not published again in time are withdrawn; an unpublish of one waiting is done at once', async () => {
  const { a, annP, bobP, camera } = await roomWithCall();
  const { b } = await move(a.room);
  const annAgain = inbox();
  const bobAgain = inbox();
  await b.room.resume(resume(bobP, 0), bobAgain.sink);
  await b.room.resume(resume(annP, 0), annAgain.sink);
  await b.room.handle(annP.id, { type: 'unpublish', id: 10, source: 'microphone' });
  assert.deepEqual(annAgain.ofType('ack').at(-1), { type: 'ack', id: 10 });
  assert.equal(bobAgain.ofType('track_unpublished').length, 1);

  mock.timers.tick(REPUBLISH_WINDOW_MS - 1);
  await Promise.resolve();
  assert.equal(bobAgain.ofType('track_unpublished').length, 1, 'not before the window ends');
  mock.timers.tick(1);
  await b.room.handle(bobP.id, { type: 'status', id: 20, status: 'online' }); // queued behind the withdrawal
  assert.deepEqual(bobAgain.ofType('track_unpublished').map((m) => m.trackId).at(-1), camera);
  assert.deepEqual(participant(b.room, annP.id).info().tracks, []);
  assert.equal(participant(b.room, bobP.id).trackSettings.size, 0, "what Bob wanted of Ann's camera is forgotten");
});

test('every resume says mediaReset until the client sends something on the new node', async () => {
  const { a, annP } = await roomWithCall();
  const { b } = await move(a.room);
  const first = inbox();
  await b.room.resume(resume(annP, 0), first.sink);
  await b.room.connectionLost(annP.id, first.sink); // `resumed` may never have arrived
  const second = inbox();
  await b.room.resume(resume(annP, 0, 51), second.sink);
  assert.equal(second.ofType('resumed')[0]!.mediaReset, true);
  await b.room.handle(annP.id, { type: 'publish', id: 10, source: 'camera', mid: '0' });
  await b.room.connectionLost(annP.id, second.sink);
  const third = inbox();
  await b.room.resume(resume(annP, lastSeq(second), 52), third.sink);
  assert.equal(third.ofType('resumed')[0]!.mediaReset, undefined, 'an ordinary resume: its peer connections are in use');
});

test('an adopted participant that never resumes leaves after the window; the last one out closes the room', async () => {
  const { a, annP } = await roomWithCall();
  const { b } = await move(a.room);
  const annAgain = inbox();
  await b.room.resume(resume(annP, 0), annAgain.sink);
  mock.timers.tick(15_000);
  await b.room.handle(annP.id, { type: 'status', id: 10, status: 'online' });
  assert.equal(annAgain.ofType('participant_left')[0]!.reason, 'disconnected');
  assert.equal(b.room.size, 1);
});

test('adopting takes no media: transports come when the moved clients publish and receive again', () => {
  const snapshotOfTwo = decodeRoomSnapshot(
    JSON.stringify({
      v: 1,
      room: 'standup',
      exportedAt: 0,
      participants: ['PA_1', 'PA_2'].map((id) => ({
        id, identity: id, name: id, moderator: false, handRaised: false, status: 'online', connection: 'connected', joinedAt: 0, tracks: [], trackSettings: [],
        lastRequestId: 0, offerRevision: 0, session: { resumeToken: `t-${id}`, seq: 0, replay: [] },
        permissions: { canPublish: true, canPublishSources: ['camera'], canSubscribe: true, canChat: true, moderator: false }, hidden: false,
      })),
      state: { sid: 'RM_1', createdAt: 0, eventSeq: 3, maxParticipants: 10, emptyTimeoutSeconds: 0, locked: false, lobby: false },
      webhooks: [],
    }),
  );
  const router = new RecordingRouter();
  router.capacity = 0; // no media to be had now: adopting the room does not need any
  const b = makeRoom(10, { router });
  b.room.restore(snapshotOfTwo);
  assert.equal(b.room.size, 2);
  assert.equal(router.transports.length, 0);
  assert.equal(b.closedCount(), 0);
});

test('a snapshot survives the wire, and a damaged one is refused naming what is wrong', async () => {
  const { a } = await roomWithCall();
  const snapshot = await a.room.exportSnapshot();
  assert.deepEqual(decodeRoomSnapshot(encodeRoomSnapshot(snapshot)), JSON.parse(encodeRoomSnapshot(snapshot)));
  const damage = (edit: (s: Record<string, any>) => void): string => {
    const copy = JSON.parse(encodeRoomSnapshot(snapshot)) as Record<string, any>;
    edit(copy);
    return JSON.stringify(copy);
  };
  assert.throws(() => decodeRoomSnapshot('{'), RoomSnapshotError);
  assert.throws(() => decodeRoomSnapshot(damage((s) => (s['v'] = 2))), /v:/);
  assert.throws(() => decodeRoomSnapshot(damage((s) => (s['participants'][0].session.replay[0].type = 'nope'))), /participants\.0\.session\.replay\.0/);
  assert.throws(() => decodeRoomSnapshot(damage((s) => (s['participants'][1].id = s['participants'][0].id))), /participant ids must be unique/);
  assert.throws(() => decodeRoomSnapshot(damage((s) => (s['participants'][0].session.seq = 0))), /replay holds more/);
  assert.throws(() => decodeRoomSnapshot(damage((s) => s['participants'][0].tracks.push(s['participants'][0].tracks[0]))), /one track per source/);
  assert.equal(typeof (snapshot.participants[0]!.tracks[0]!.id as TrackId), 'string');
});

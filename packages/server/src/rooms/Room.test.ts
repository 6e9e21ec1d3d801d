import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { IceServer, ParticipantId, TrackId } from '@confab/protocol';
import { MediaError } from '../media/errors';
import { inbox, join, makeRoom, RecordingConsumer, RecordingProducer, resume } from './testRoom';

test('join: the newcomer gets everyone present; the others get participant_joined', async () => {
  const { room } = makeRoom();
  const ann = inbox();
  const bob = inbox();
  const annP = await room.join(join('Ann'), ann.sink);
  await room.join(join('Bob', 7), bob.sink);
  const joined = bob.ofType('joined')[0]!;
  assert.equal(joined.id, 7);
  assert.equal(joined.self.name, 'Bob');
  assert.deepEqual(joined.participants.map((p) => p.name), ['Ann']);
  assert.equal(ann.ofType('participant_joined')[0]!.participant.name, 'Bob');
  assert.notEqual(joined.self.id, annP.id);
});

test('publishing forwards the track to everyone else, now and later', async () => {
  const { room, router } = makeRoom();
  const ann = inbox();
  const bob = inbox();
  const annP = await room.join(join('Ann'), ann.sink);
  const bobP = await room.join(join('Bob'), bob.sink);
  await room.handle(annP.id, { type: 'publish', id: 2, source: 'camera', mid: '0' });
  assert.deepEqual(ann.ofType('ack').map((m) => m.id), [2]);
  const published = bob.ofType('track_published')[0]!;
  assert.equal(published.participantId, annP.id);
  assert.equal(published.track.source, 'camera');
  assert.equal(published.track.kind, 'video');
  assert.equal(ann.ofType('track_published')[0]!.track.id, published.track.id, 'the publisher learns its track id');
  assert.equal(bobP.consumers.size, 1);
  assert.equal(annP.consumers.size, 0, 'nobody receives their own track');

  const carol = inbox();
  const carolP = await room.join(join('Carol'), carol.sink);
  assert.equal(carolP.consumers.size, 1, 'a latecomer receives what is already published');
  assert.deepEqual(carol.ofType('joined')[0]!.participants.find((p) => p.name === 'Ann')!.tracks.map((t) => t.source), ['camera']);
  // Made on first use: Ann's to publish, Bob's and Carol's to receive; nobody else's.
  assert.deepEqual(router.transports.map((t) => t.id).sort(), [`${annP.id}/publish`, `${bobP.id}/subscribe`, `${carolP.id}/subscribe`].sort());
  // Carol's `joined` says her subscriber offer follows (the SDK answers it first); Bob's said nothing, the room had no tracks.
  assert.equal(carol.ofType('joined')[0]!.subscriberOfferFollows, true);
  assert.equal(bob.ofType('joined')[0]!.subscriberOfferFollows, undefined);
});

test('a participant who only talks, chats and leaves costs the media plane nothing', async () => {
  const { room, router } = makeRoom();
  const annP = await room.join(join('Ann'), inbox().sink);
  const bobP = await room.join(join('Bob'), inbox().sink);
  await room.handle(annP.id, { type: 'status', id: 2, status: 'away' });
  await room.handle(bobP.id, { type: 'chat', id: 2, text: 'hi' });
  assert.equal(router.transports.length, 0);
  assert.deepEqual(annP.transports.created, { publish: false, subscribe: false });
  await room.handle(annP.id, { type: 'leave' });
  assert.equal(router.transports.length, 0, 'leaving creates nothing to close');
});

test('simulcast seams: track_settings reach the consumer, dynacast reaches the publisher, stream_state the subscriber', async () => {
  const { room } = makeRoom();
  const ann = inbox();
  const bob = inbox();
  const annP = await room.join(join('Ann'), ann.sink);
  const bobP = await room.join(join('Bob'), bob.sink);
  await room.handle(annP.id, { type: 'publish', source: 'camera', mid: '1' });
  const trackId = annP.tracks.get('camera')!.info.id;
  const producer = annP.tracks.get('camera')!.producer as RecordingProducer;
  assert.equal(producer.options.source, 'camera', 'the media plane knows a camera from a screen share');
  const consumer = bobP.consumers.get(trackId) as RecordingConsumer;

  await room.handle(bobP.id, { type: 'track_settings', id: 5, trackId, visible: true, width: 320, height: 180 });
  assert.deepEqual(consumer.settings, { visible: true, width: 320, height: 180 });
  assert.deepEqual(bob.ofType('ack').map((m) => m.id), [5]);
  await room.handle(bobP.id, { type: 'track_settings', id: 6, trackId: 'TR_gone' as TrackId, visible: false, width: 0, height: 0 });
  assert.deepEqual(bob.ofType('ack').map((m) => m.id), [5, 6], 'a track no longer received is no error');

  producer.options.onSubscribedLayers!([{ rid: 'q', active: true }, { rid: 'h', active: false }, { rid: 'f', active: false }]);
  assert.deepEqual(ann.ofType('subscribed_layers'), [{ type: 'subscribed_layers', source: 'camera', layers: [{ rid: 'q', active: true }, { rid: 'h', active: false }, { rid: 'f', active: false }] }]);
  assert.equal(bob.ofType('subscribed_layers').length, 0, 'only the publisher hears it');

  consumer.options.onStreamState!({ state: 'paused', reason: 'bandwidth' });
  consumer.options.onStreamState!({ state: 'active' });
  assert.deepEqual(bob.ofType('stream_state'), [
    { type: 'stream_state', trackId, state: 'paused', reason: 'bandwidth' },
    { type: 'stream_state', trackId, state: 'active' },
  ]);
  assert.equal(ann.ofType('stream_state').length, 0);
});

test('publishing the same source twice is a conflict; unpublishing an absent one is not_found', async () => {
  const { room } = makeRoom();
  const ann = inbox();
  const annP = await room.join(join('Ann'), ann.sink);
  await room.handle(annP.id, { type: 'publish', source: 'microphone', mid: '0' });
  await assert.rejects(room.handle(annP.id, { type: 'publish', source: 'microphone', mid: '1' }), { code: 'conflict' });
  await assert.rejects(room.handle(annP.id, { type: 'unpublish', source: 'screen' }), { code: 'not_found' });
  await assert.rejects(room.handle(annP.id, { type: 'mute', source: 'camera', muted: true }), { code: 'not_found' });
});

test('mute pauses the producer and tells the others once; unpublish closes consumers', async () => {
  const { room } = makeRoom();
  const ann = inbox();
  const bob = inbox();
  const annP = await room.join(join('Ann'), ann.sink);
  const bobP = await room.join(join('Bob'), bob.sink);
  await room.handle(annP.id, { type: 'publish', source: 'microphone', mid: '0' });
  const producer = annP.tracks.get('microphone')!.producer;
  await room.handle(annP.id, { type: 'mute', source: 'microphone', muted: true });
  await room.handle(annP.id, { type: 'mute', source: 'microphone', muted: true });
  assert.equal(producer.paused, true);
  assert.equal(bob.ofType('track_muted').length, 1);
  assert.equal(bob.ofType('track_muted')[0]!.muted, true);
  await room.handle(annP.id, { type: 'mute', source: 'microphone', muted: false });
  assert.equal(producer.paused, false);

  const consumer = [...bobP.consumers.values()][0]!;
  await room.handle(annP.id, { type: 'unpublish', source: 'microphone' });
  assert.equal(producer.closed, true);
  assert.equal(consumer.closed, true);
  assert.equal(bobP.consumers.size, 0);
  assert.equal(bob.ofType('track_unpublished').length, 1);
});

test('publisher offers are answered with the request id; a bad offer is invalid_argument', async () => {
  const { room } = makeRoom();
  const ann = inbox();
  const annP = await room.join(join('Ann'), ann.sink);
  await room.handle(annP.id, { type: 'offer', id: 11, target: 'publisher', sdp: 'o1' });
  assert.deepEqual(ann.ofType('answer')[0], { type: 'answer', id: 11, target: 'publisher', sdp: 'answer-to-o1' });
  await assert.rejects(room.handle(annP.id, { type: 'offer', id: 12, target: 'publisher', sdp: 'bad' }), { code: 'invalid_argument' });
  await room.handle(annP.id, { type: 'offer', id: 13, target: 'publisher', sdp: 'o2' });
  assert.equal(ann.ofType('answer')[1]!.id, 13, 'a failed offer does not shift later answers');
});

test('chat reaches everyone, sender included, with the sender name and server time', async () => {
  const { room } = makeRoom();
  const ann = inbox();
  const bob = inbox();
  const annP = await room.join(join('Ann'), ann.sink);
  await room.join(join('Bob'), bob.sink);
  const before = Date.now();
  await room.handle(annP.id, { type: 'chat', id: 3, text: '<b>hi</b>' });
  for (const box of [ann, bob]) {
    const chat = box.ofType('chat')[0]!;
    assert.equal(chat.text, '<b>hi</b>');
    assert.equal(chat.name, 'Ann');
    assert.equal(chat.participantId, annP.id);
    assert.ok(chat.time >= before);
  }
});

test('status updates reach everyone', async () => {
  const { room } = makeRoom();
  const ann = inbox();
  const bob = inbox();
  const annP = await room.join(join('Ann'), ann.sink);
  await room.join(join('Bob'), bob.sink);
  await room.handle(annP.id, { type: 'status', status: 'busy' });
  assert.equal(bob.ofType('participant_updated')[0]!.participant.status, 'busy');
  assert.equal(ann.ofType('participant_updated')[0]!.participant.status, 'busy');
});

test('leaving removes the participant, closes their media, and the last one out closes the room', async () => {
  const { room, router, closedCount } = makeRoom();
  const ann = inbox();
  const bob = inbox();
  const annP = await room.join(join('Ann'), ann.sink);
  const bobP = await room.join(join('Bob'), bob.sink);
  await room.handle(annP.id, { type: 'publish', source: 'camera', mid: '0' });
  const consumer = [...bobP.consumers.values()][0]!;
  await room.connectionClosed(annP.id, ann.sink);
  assert.deepEqual(bob.ofType('participant_left')[0], { type: 'participant_left', participantId: annP.id, reason: 'disconnected' });
  assert.equal(consumer.closed, true);
  assert.equal(router.transports[0]!.state, 'closed');
  assert.equal(room.isClosed, false);
  await room.handle(bobP.id, { type: 'leave' });
  assert.equal(room.size, 0);
  assert.equal(room.isClosed, true);
  assert.equal(router.closed, true);
  assert.equal(closedCount(), 1);
  await assert.rejects(room.handle(bobP.id, { type: 'chat', text: 'x' }), { code: 'failed_precondition' });
});

test('a full room refuses with resource_exhausted', async () => {
  const { room } = makeRoom(2);
  await room.join(join('A'), inbox().sink);
  await room.join(join('B'), inbox().sink);
  await assert.rejects(room.join(join('C'), inbox().sink), { code: 'resource_exhausted', message: /full/ });
});

test('commands run one at a time, in order, even when each awaits', async () => {
  const { room } = makeRoom();
  const ann = inbox();
  const annP = await room.join(join('Ann'), ann.sink);
  const ids = Array.from({ length: 20 }, (_, i) => i + 100);
  await Promise.all(ids.map((id) => room.handle(annP.id, { type: 'offer', id, target: 'publisher', sdp: `o${id}` })));
  assert.deepEqual(ann.ofType('answer').map((m) => m.id), ids);
  assert.equal(annP.id.startsWith('PA_'), true);
});

test('messages to unknown participants fail cleanly', async () => {
  const { room } = makeRoom();
  await room.join(join('Ann'), inbox().sink);
  await assert.rejects(room.handle('PA_nobody' as ParticipantId, { type: 'leave' }), { code: 'failed_precondition' });
});

test('joining where someone publishes needs a subscribe transport at once: without one the join is refused, unheard of', async () => {
  const { room, router } = makeRoom();
  const ann = inbox();
  const annP = await room.join(join('Ann'), ann.sink);
  await room.handle(annP.id, { type: 'publish', id: 2, source: 'camera', mid: '0' });
  router.capacity = router.transports.length; // the media port range is full
  await assert.rejects(room.join(join('Bob'), inbox().sink), { code: 'unavailable' });
  assert.equal(room.size, 1);
  assert.equal(ann.ofType('participant_joined').length, 0, 'nobody heard of a join that failed');
});

test('a publish that cannot get a media transport fails with unavailable; the participant stays and can try again', async () => {
  const { room, router } = makeRoom();
  const ann = inbox();
  const annP = await room.join(join('Ann'), ann.sink);
  const bob = inbox();
  const bobP = await room.join(join('Bob'), bob.sink);
  router.capacity = 0; // e.g. the media port range is full
  await assert.rejects(room.handle(bobP.id, { type: 'publish', id: 2, source: 'camera', mid: '0' }), { code: 'unavailable' });
  assert.equal(room.size, 2);
  assert.equal(ann.ofType('track_published').length, 0, 'nobody heard of a track that failed');
  router.capacity = 2; // room again: Bob's publish transport and Ann's subscribe transport
  await room.handle(bobP.id, { type: 'publish', id: 3, source: 'camera', mid: '0' });
  assert.equal(annP.consumers.size, 1);
});

test("a subscriber whose transport the network closed misses a new track; the publish goes on for everyone else", async () => {
  const { room, router } = makeRoom();
  const ann = inbox();
  const annP = await room.join(join('Ann'), ann.sink);
  const bobP = await room.join(join('Bob'), inbox().sink);
  await room.handle(annP.id, { type: 'publish', id: 2, source: 'microphone', mid: '0' });
  router.transports.find((t) => t.id === `${bobP.id}/subscribe`)!.close(); // consent lost: Bob's network is gone
  const carolP = await room.join(join('Carol'), inbox().sink);
  await room.handle(annP.id, { type: 'publish', id: 3, source: 'camera', mid: '1' });
  assert.deepEqual(ann.ofType('ack').map((m) => m.id), [2, 3], 'the publish is acknowledged, not refused for Bob');
  assert.equal(carolP.consumers.size, 2, 'Carol receives both tracks');
  assert.equal(bobP.consumers.size, 1, 'Bob only the one from before');
});

test('a lost connection shows as reconnecting; a resume replays what was missed and restarts ICE, with no leave or join', async () => {
  const { room, router } = makeRoom();
  const ann = inbox();
  const bob = inbox();
  const annP = await room.join(join('Ann'), ann.sink);
  const bobP = await room.join(join('Bob'), bob.sink);
  const seenByAnn = Math.max(...ann.seqs.filter((s): s is number => s !== undefined));

  await room.connectionLost(annP.id, ann.sink);
  assert.equal(bob.ofType('participant_updated').at(-1)!.participant.connection, 'reconnecting');
  await room.handle(bobP.id, { type: 'chat', id: 3, text: 'are you there?' });
  assert.equal(ann.ofType('chat').length, 0, 'nothing reaches a detached session');

  const again = inbox();
  await room.resume(resume(annP, seenByAnn), again.sink);
  assert.deepEqual(again.messages[0], { type: 'resumed', id: 50, lastRequestId: 0, iceServers: [] });
  assert.deepEqual(again.ofType('chat').map((m) => m.text), ['are you there?']);
  assert.equal(again.seqs[1], seenByAnn + 1, 'replayed messages keep their sequence numbers');
  assert.equal(bob.ofType('participant_updated').at(-1)!.participant.connection, 'connected');
  assert.equal(bob.ofType('participant_left').length, 0);
  assert.equal(bob.ofType('participant_joined').length, 0);
  const annSubscribe = router.transports.find((t) => t.id === `${annP.id}/subscribe`)!;
  assert.equal(annSubscribe.iceRestarts, 1);
  // The old connection closing late must not end the resumed session.
  await room.connectionClosed(annP.id, ann.sink);
  assert.equal(room.size, 2);
});

test('a lost session that is not resumed in time leaves; a wrong token cannot resume it', async () => {
  const { room } = makeRoom(10, { resumeWindowMs: 30 });
  const ann = inbox();
  const bob = inbox();
  const annP = await room.join(join('Ann'), ann.sink);
  await room.join(join('Bob'), bob.sink);
  await room.connectionLost(annP.id, ann.sink);
  await assert.rejects(room.resume({ ...resume(annP, 0), token: 'forged' }, inbox().sink), { code: 'not_found' });
  await new Promise((r) => setTimeout(r, 80));
  assert.deepEqual(bob.ofType('participant_left')[0], { type: 'participant_left', participantId: annP.id, reason: 'disconnected' });
  await assert.rejects(room.resume(resume(annP, 0), inbox().sink), { code: 'not_found' });
});

test('a resume while the old connection still looks alive takes the session over', async () => {
  const { room } = makeRoom();
  const ann = inbox();
  const bob = inbox();
  const annP = await room.join(join('Ann'), ann.sink);
  await room.join(join('Bob'), bob.sink);
  const again = inbox();
  await room.resume(resume(annP, 1), again.sink);
  assert.equal(ann.sink.superseded, true);
  assert.equal(again.ofType('resumed').length, 1);
  assert.equal(bob.ofType('participant_updated').length, 0, 'never shown as reconnecting');
});

test('joined, resumed and ice_servers each carry ICE servers minted afresh for that participant', async () => {
  let minted = 0;
  const iceServers = (id: ParticipantId): IceServer[] => [{ urls: 'turn:turn.test:3478', username: `${++minted}:${id}`, credential: 'c' }];
  const { room } = makeRoom(10, { iceServers });
  const ann = inbox();
  const annP = await room.join(join('Ann'), ann.sink);
  assert.equal(ann.ofType('joined')[0]!.iceServers[0]!.username, `1:${annP.id}`);
  await room.handle(annP.id, { type: 'ice_servers', id: 2 });
  assert.deepEqual(ann.ofType('ice_servers'), [{ type: 'ice_servers', id: 2, iceServers: [{ urls: 'turn:turn.test:3478', username: `2:${annP.id}`, credential: 'c' }] }]);
  await room.connectionLost(annP.id, ann.sink);
  const again = inbox();
  await room.resume(resume(annP, 0), again.sink);
  assert.equal(again.ofType('resumed')[0]!.iceServers![0]!.username, `3:${annP.id}`);
});

test('requests resent after a resume run once; their replies are replayed instead', async () => {
  const { room } = makeRoom();
  const ann = inbox();
  const bob = inbox();
  const annP = await room.join(join('Ann'), ann.sink);
  await room.join(join('Bob'), bob.sink);
  await room.handle(annP.id, { type: 'chat', id: 7, text: 'once' });
  await room.connectionLost(annP.id, ann.sink); // the ack for 7 was lost in the drop
  const again = inbox();
  await room.resume(resume(annP, 1), again.sink);
  assert.equal(again.ofType('resumed')[0]!.lastRequestId, 7);
  assert.deepEqual(again.ofType('ack').map((m) => m.id), [7]);
  await room.handle(annP.id, { type: 'chat', id: 7, text: 'once' }); // a client that resent anyway
  assert.equal(bob.ofType('chat').length, 1);
});

test('a session whose missed messages overflowed its buffer cannot resume and is ended', async () => {
  const { room } = makeRoom(10, { replayBufferSize: 10 });
  const ann = inbox();
  const bob = inbox();
  const annP = await room.join(join('Ann'), ann.sink);
  const bobP = await room.join(join('Bob'), bob.sink);
  await room.connectionLost(annP.id, ann.sink);
  for (let i = 0; i < 12; i++) await room.handle(bobP.id, { type: 'chat', text: `m${i}` });
  await assert.rejects(room.resume(resume(annP, 1), inbox().sink), { code: 'not_found', message: /no longer/ });
  assert.equal(bob.ofType('participant_left').length, 1);
});

test('an answer to a superseded subscriber offer is ignored', async () => {
  const { room, router } = makeRoom();
  const ann = inbox();
  const annP = await room.join(join('Ann'), ann.sink);
  void annP.subscribeTransport; // made on first use
  const subscribe = router.transports.find((t) => t.id === `${annP.id}/subscribe`)!;
  subscribe.options.onSignal({ type: 'offer', sdp: 'o1', tracks: [] });
  subscribe.options.onSignal({ type: 'offer', sdp: 'o2', tracks: [] });
  assert.deepEqual(ann.ofType('offer').map((o) => o.revision), [1, 2]);
  await room.handle(annP.id, { type: 'answer', id: 2, target: 'subscriber', revision: 1, sdp: 'a1' });
  await room.handle(annP.id, { type: 'answer', id: 3, target: 'subscriber', revision: 2, sdp: 'a2' });
  assert.deepEqual(subscribe.answers, ['a2']);
  assert.deepEqual(ann.ofType('ack').map((m) => m.id), [2, 3]);
});

test('a room whose media failed tells every member, ends their sessions and closes; it takes no new joins', async () => {
  const { room, router, closedCount } = makeRoom();
  const ann = inbox();
  const bob = inbox();
  let ended = 0;
  for (const box of [ann, bob]) box.sink.end = () => void ended++;
  const annP = await room.join(join('Ann'), ann.sink);
  await room.join(join('Bob'), bob.sink);
  await room.handle(annP.id, { type: 'publish', source: 'camera', mid: '0' });

  room.mediaFailed(new MediaError('unavailable', 'media worker 0 failed: injected'));
  assert.equal(room.isClosed, true, 'the directory starts a fresh room for the next join at once');
  await assert.rejects(room.join(join('Cy'), inbox().sink), { code: 'unavailable' });
  for (const box of [ann, bob]) {
    assert.deepEqual(box.ofType('error').at(-1), {
      type: 'error',
      code: 'unavailable',
      message: 'media for room "standup" failed; join it again to start a fresh one',
    });
  }
  assert.equal(ended, 2, 'both sessions ended, so their clients join again');
  assert.ok(router.transports.every((t) => t.state === 'closed'));
  assert.equal(router.closed, true);
  assert.equal(closedCount(), 1);
});

test('active speakers: microphone levels become active_speakers for everyone, and the dominant speaker reaches the router', async () => {
  const { room, router } = makeRoom();
  const ann = inbox();
  const bob = inbox();
  const annP = await room.join(join('Ann'), ann.sink);
  await room.join(join('Bob'), bob.sink);
  await room.handle(annP.id, { type: 'publish', id: 2, source: 'microphone', mid: '0' });
  await room.handle(annP.id, { type: 'publish', id: 3, source: 'camera', mid: '1' });
  const mic = ann.ofType('track_published').find((m) => m.track.source === 'microphone')!.track.id;
  const camera = ann.ofType('track_published').find((m) => m.track.source === 'camera')!.track.id;
  // A second of Ann's voice, 100 ms at a time, as the router reports it (a camera producer is ignored).
  for (let i = 0; i < 10; i++) {
    room.audioLevels([
      { producerId: mic, voiced: 1, level: 0.6 },
      { producerId: camera, voiced: 1, level: 1 },
      { producerId: 'nobody', voiced: 1, level: 1 },
    ]);
    await new Promise((r) => setTimeout(r, 100));
  }
  const seen = bob.ofType('active_speakers');
  assert.ok(seen.length >= 2, 'a few messages while it changes');
  const last = seen.at(-1)!;
  assert.deepEqual(last.speakers.map((s) => s.participantId), [annP.id]);
  assert.equal(last.dominant, annP.id);
  assert.ok(ann.ofType('active_speakers').length > 0, 'the speaker hears it too');
  assert.equal(router.activeSpeaker, annP.id, "the allocator favours the dominant speaker's camera");
  // Ann leaves: the floor is free again.
  await room.handle(annP.id, { type: 'leave', id: 4 });
  assert.equal(bob.ofType('active_speakers').at(-1)!.dominant, null);
  assert.equal(router.activeSpeaker, null);
});

test('connection quality: the newcomer gets everyone, a lost connection is lost for everyone at once', async () => {
  const { room } = makeRoom();
  const ann = inbox();
  const bob = inbox();
  const annP = await room.join(join('Ann'), ann.sink);
  const bobP = await room.join(join('Bob'), bob.sink);
  const full = bob.ofType('connection_quality')[0]!;
  assert.deepEqual(new Set(full.updates.map((u) => u.participantId)), new Set([annP.id, bobP.id]));
  assert.ok(full.updates.every((u) => u.quality === 'excellent'));
  await room.connectionLost(bobP.id, bob.sink);
  assert.deepEqual(ann.ofType('connection_quality').at(-1)!.updates, [{ participantId: bobP.id, quality: 'lost' }]);
  await room.handle(annP.id, { type: 'leave', id: 2 });
});

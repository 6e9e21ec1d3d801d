/**
 * Moderation through a whole Room against the scripted server: permissions and room access, the
 * lobby list, a moderator's requests, a forced mute of our own track, hands, system messages.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { connect } from './connect';
import { ConfabError } from './errors';
import { RoomEvent } from './events';
import { fakePeerConnectionClass, fakeTrack, participantInfo, scriptedServer, tick } from './testFakes';

const MODERATOR = { canPublish: true, canPublishSources: ['microphone', 'camera', 'screen'], canSubscribe: true, canChat: true, moderator: true };

async function joinAs(moderator: boolean, replies: Parameters<typeof scriptedServer>[1] = {}) {
  const self = participantInfo({ id: 'me', name: 'Me', moderator });
  const bob = participantInfo({ id: 'bob', name: 'Bob' });
  const { WebSocket, sockets } = scriptedServer(self, replies, { participants: [bob], ...(moderator ? { permissions: MODERATOR } : {}) });
  const { RTCPeerConnection, peers } = fakePeerConnectionClass();
  const room = await connect('http://confab.test', 'standup', 'Me', { WebSocket, RTCPeerConnection });
  return { room, socket: sockets[0]!, peers };
}

test('permissions and room access come with joined; changes are events', async () => {
  const { room, socket } = await joinAs(false);
  assert.equal(room.permissions.moderator, false);
  assert.equal(room.permissions.canChat, true);
  assert.deepEqual(room.access, { locked: false, lobby: false, passwordProtected: false });
  const events: string[] = [];
  room.on(RoomEvent.PermissionsChanged, (p) => events.push(`permissions:${p.moderator}`));
  room.on(RoomEvent.RoomAccessChanged, (a) => events.push(`access:${a.locked}`));
  room.on(RoomEvent.LocalParticipantUpdated, (p) => events.push(`local:${p.moderator}`));
  socket.receive({ type: 'permissions', permissions: MODERATOR });
  socket.receive({ type: 'permissions', permissions: MODERATOR }); // no change, no event
  socket.receive({ type: 'room_access', access: { locked: true, lobby: false, passwordProtected: false } });
  assert.deepEqual(events, ['local:true', 'permissions:true', 'access:true']);
  assert.equal(room.localParticipant.moderator, true);
  assert.equal(room.access.locked, true);
  await room.leave();
});

test('moderators see the lobby; losing the role empties it', async () => {
  const { room, socket } = await joinAs(true);
  const lists: number[] = [];
  room.on(RoomEvent.LobbyChanged, (waiting) => lists.push(waiting.length));
  socket.receive({ type: 'lobby', waiting: [{ participantId: 'carol', identity: 'c', name: 'Carol', since: 1_700_000_000_000 }] });
  assert.deepEqual(room.moderation.waiting.map((w) => [w.participantId, w.name, w.since.getTime()]), [['carol', 'Carol', 1_700_000_000_000]]);
  socket.receive({ type: 'permissions', permissions: { ...MODERATOR, moderator: false } });
  assert.deepEqual(room.moderation.waiting, []);
  assert.deepEqual(lists, [1, 0]);
  await room.leave();
});

test('each moderator request goes out as its protocol message and resolves on ack', async () => {
  const { room, socket } = await joinAs(true);
  const m = room.moderation;
  await m.muteParticipant('bob', 'microphone');
  await m.removeParticipant('bob', { banSeconds: 3600 });
  await m.removeParticipant('bob');
  await m.setModerator('bob', true);
  await m.lockRoom(true);
  await m.setLobby(false);
  await m.setPassword('hunter2');
  await m.setPassword(null);
  await m.admit('carol');
  await m.deny('dave');
  await m.endMeeting();
  const sent = socket.messages().slice(1).map(({ id: _id, ...rest }) => rest);
  assert.deepEqual(sent, [
    { type: 'mute_participant', participantId: 'bob', source: 'microphone' },
    { type: 'remove_participant', participantId: 'bob', banSeconds: 3600 },
    { type: 'remove_participant', participantId: 'bob' },
    { type: 'set_moderator', participantId: 'bob', moderator: true },
    { type: 'update_room', locked: true },
    { type: 'update_room', lobby: false },
    { type: 'update_room', password: 'hunter2' },
    { type: 'update_room', password: null },
    { type: 'lobby_decision', participantId: 'carol', admit: true },
    { type: 'lobby_decision', participantId: 'dave', admit: false },
    { type: 'end_meeting' },
  ]);
  await assert.rejects(m.removeParticipant('bob', { banSeconds: 0.5 }), (e: unknown) => e instanceof ConfabError && e.code === 'invalid_argument');
  await assert.rejects(m.setPassword(''), (e: unknown) => e instanceof ConfabError && e.code === 'invalid_argument');
  await room.leave();
});

test('a non-moderator’s request is refused with permission_denied', async () => {
  const { room } = await joinAs(false, { mute_participant: (msg) => ({ type: 'error', id: msg['id'], code: 'permission_denied', message: 'only moderators can mute others' }) });
  await assert.rejects(room.moderation.muteParticipant('bob', 'camera'), (e: unknown) => e instanceof ConfabError && e.code === 'permission_denied');
  await room.leave();
});

test('a moderator mutes our camera: the sender stops, the track shows muted, and only we unmute it', async () => {
  const { room, socket, peers } = await joinAs(false);
  const camera = fakeTrack('video');
  // The server names the track while the publish is still under way (before its answer), as ours does.
  const publishing = room.localParticipant.publishTrack(camera, 'camera');
  socket.receive({ type: 'track_published', participantId: 'me', track: { id: 'my-cam', source: 'camera', kind: 'video', muted: false } });
  const local = await publishing;
  assert.equal(local.id, 'my-cam');
  const events: string[] = [];
  room.on(RoomEvent.TrackMuted, (t) => events.push(`muted:${t.muted}`));
  room.on(RoomEvent.MutedByModerator, (t) => events.push(`by-moderator:${t.source}`));
  const before = socket.messages().length;
  socket.receive({ type: 'track_muted', participantId: 'me', trackId: 'my-cam', muted: true, forced: true });
  await tick(5);
  assert.equal(local.muted, true);
  assert.equal(peers[0]!.transceivers[0]!.sender.track, null, 'nothing is sent any more');
  assert.deepEqual(events, ['muted:true', 'by-moderator:camera']);
  assert.equal(socket.messages().length, before, 'the server muted it: no mute request of ours');

  await room.localParticipant.setMuted('camera', false);
  assert.deepEqual(socket.messages().at(-1), { type: 'mute', source: 'camera', muted: false, id: socket.messages().at(-1)!['id'] });
  assert.equal(peers[0]!.transceivers[0]!.sender.track, camera);
  await room.leave();
});

test('our publishing revoked: the server’s track_unpublished takes our track down here too', async () => {
  const { room, socket } = await joinAs(false);
  const publishing = room.localParticipant.publishTrack(fakeTrack('audio'), 'microphone');
  socket.receive({ type: 'track_published', participantId: 'me', track: { id: 'my-mic', source: 'microphone', kind: 'audio', muted: false } });
  await publishing;
  const unpublished = new Promise((resolve) => room.once(RoomEvent.LocalTrackUnpublished, resolve));
  socket.receive({ type: 'permissions', permissions: { ...MODERATOR, moderator: false, canPublish: false, canPublishSources: [] } });
  socket.receive({ type: 'track_unpublished', participantId: 'me', trackId: 'my-mic' });
  await unpublished;
  assert.equal(room.localParticipant.tracks.size, 0);
  assert.equal(room.permissions.canPublish, false);
  await room.leave();
});

test('hands and moderators of others arrive as ParticipantUpdated; our own hand as LocalParticipantUpdated', async () => {
  const { room, socket } = await joinAs(false);
  const updates: string[] = [];
  room.on(RoomEvent.ParticipantUpdated, (p) => updates.push(`${p.id}:hand=${p.handRaised}:moderator=${p.moderator}`));
  room.on(RoomEvent.LocalParticipantUpdated, (p) => updates.push(`me:hand=${p.handRaised}`));
  socket.receive({ type: 'participant_updated', participant: participantInfo({ id: 'bob', name: 'Bob', handRaised: true }) });
  socket.receive({ type: 'participant_updated', participant: participantInfo({ id: 'bob', name: 'Bob', handRaised: true, moderator: true }) });
  await room.localParticipant.setHandRaised(true);
  socket.receive({ type: 'participant_updated', participant: participantInfo({ id: 'me', name: 'Me', handRaised: true }) });
  assert.deepEqual(socket.messages().filter((m) => m['type'] === 'raise_hand').map((m) => m['raised']), [true]);
  assert.deepEqual(updates, ['bob:hand=true:moderator=false', 'bob:hand=true:moderator=true', 'me:hand=true']);
  assert.equal(room.participants.get('bob')!.identity, 'identity-bob');
  await room.leave();
});

test('system messages from the operator become events', async () => {
  const { room, socket } = await joinAs(false);
  const messages: string[] = [];
  room.on(RoomEvent.SystemMessage, (m) => messages.push(`${m.id}:${m.time.getTime()}:${m.text}`));
  socket.receive({ type: 'system_message', messageId: 's1', time: 1_700_000_000_000, text: 'Recording starts in 1 minute' });
  assert.deepEqual(messages, ['s1:1700000000000:Recording starts in 1 minute']);
  await room.leave();
});

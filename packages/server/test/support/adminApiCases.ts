import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { AccessGrants } from '@confab/protocol';
import { AccessToken, AdminApiError, AdminClient } from '@confab/server-sdk';
import { joined, refusal, request, TEST_KEY, TEST_SECRET, token } from './accessCases';
import type { WsClient } from './wsClient';

/** Where admin API cases run: one node in token mode, or a cluster where every call goes to a node other than the room's. */
export interface AdminApiTarget {
  /** A connected client; in a cluster, each on the next node. */
  client(): Promise<WsClient>;
  freshRoom(): string;
  /** The base URL to call about `room`: in a cluster, a node that does not host it (any node while it is open nowhere). */
  apiUrl(room: string): string;
}

/** An admin token of the test key: roomList, roomCreate and roomAdmin of every room, unless `grants` says otherwise. */
export function adminToken(grants: AccessGrants = { roomList: true, roomCreate: true, roomAdmin: true }): Promise<string> {
  return new AccessToken(TEST_KEY, TEST_SECRET, { identity: 'ops', ttl: '10m' }).addGrant(grants).toJwt();
}

/** An AdminClient aimed at the node `target` picks for `room`, with a fresh admin token per call. */
export function adminFor(target: AdminApiTarget, room: string, grants?: AccessGrants): AdminClient {
  return new AdminClient(target.apiUrl(room), () => adminToken(grants));
}

/** The status and code of a call that must fail. */
export async function failure(call: Promise<unknown>): Promise<[number, string]> {
  const error = await call.then(
    () => assert.fail('the call succeeded'),
    (e: unknown) => e,
  );
  assert.ok(error instanceof AdminApiError, String(error));
  return [error.status, error.code];
}

async function until<T>(read: () => Promise<T>, done: (value: T) => boolean, what: string, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}: ${JSON.stringify(value)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * Every admin API call as an app backend makes it (AdminClient), and what the people in the room
 * see of it. The same cases run on one node (adminApi.test.ts) and through a two-node cluster with
 * real Redis, each call sent to the node that does not host the room (clusterAdminApi.test.ts).
 */
export function adminApiCases(target: AdminApiTarget): void {
  test('createRoom with emptyTimeoutSeconds: listed before anyone joins, closed once the timeout passes with nobody in', async () => {
    const room = target.freshRoom();
    const created = await adminFor(target, room).createRoom({ name: room, emptyTimeoutSeconds: 1, maxParticipants: 7 });
    assert.deepEqual(
      { ...created, sid: '', createdAt: 0, node: '' },
      { name: room, sid: '', createdAt: 0, node: '', participants: 0, maxParticipants: 7, emptyTimeoutSeconds: 1, locked: false, lobby: false, passwordProtected: false },
    );
    const admin = adminFor(target, room);
    assert.ok((await admin.listRooms()).some((r) => r.name === room && r.sid === created.sid));
    assert.deepEqual(await admin.getRoom(room), created);
    assert.deepEqual(await failure(admin.createRoom({ name: room })), [409, 'conflict']);
    await until(() => admin.listRooms(), (rooms) => !rooms.some((r) => r.name === room), 'the empty room to close');
    assert.deepEqual(await failure(admin.getRoom(room)), [404, 'not_found']);
  });

  test('createRoom with a lobby, a password, locked, or maxParticipants: joins behave accordingly', async () => {
    const [lobbyRoom, passwordRoom, lockedRoom, smallRoom] = [target.freshRoom(), target.freshRoom(), target.freshRoom(), target.freshRoom()];
    const create = (body: Parameters<AdminClient['createRoom']>[0]) => adminFor(target, body.name).createRoom({ emptyTimeoutSeconds: 60, ...body });
    assert.equal((await create({ name: lobbyRoom, lobby: true })).lobby, true);
    const withPassword = await create({ name: passwordRoom, password: 'open sesame' });
    assert.equal(withPassword.passwordProtected, true);
    assert.equal('password' in withPassword, false);
    assert.equal((await create({ name: lockedRoom, locked: true })).locked, true);
    assert.equal((await create({ name: smallRoom, maxParticipants: 1 })).maxParticipants, 1);

    const knocking = await target.client();
    knocking.send({ type: 'join', id: 1, v: 1, room: lobbyRoom, name: 'g', accessToken: await token(lobbyRoom, 'guest') });
    assert.equal((await knocking.next('waiting')).room, lobbyRoom);

    const guest = await target.client();
    const guestToken = await token(passwordRoom, 'guest');
    assert.deepEqual(await refusal(guest, passwordRoom, { accessToken: guestToken }), ['permission_denied', 'password_required']);
    await joined(guest, passwordRoom, { accessToken: guestToken, password: 'open sesame' });

    assert.deepEqual(await refusal(await target.client(), lockedRoom, { accessToken: await token(lockedRoom, 'guest') }), ['permission_denied', 'room_locked']);
    await joined(await target.client(), lockedRoom, { accessToken: await token(lockedRoom, 'mod', { roomAdmin: true }) });

    await joined(await target.client(), smallRoom, { accessToken: await token(smallRoom, 'first') });
    assert.deepEqual(await refusal(await target.client(), smallRoom, { accessToken: await token(smallRoom, 'second') }), ['resource_exhausted', undefined]);

    // Deleted, the rooms do not wait out their empty timeout; a join still waiting in the lobby is refused.
    for (const room of [lobbyRoom, passwordRoom, lockedRoom, smallRoom]) await adminFor(target, room).deleteRoom(room);
    const gone = await knocking.next('error', (m) => m.id === 1);
    assert.equal(gone.code, 'unavailable');
  });

  test("startRecording and stopRecording: the room's node records it, everyone in the room is told, listRecordings names it and its node", async () => {
    const room = target.freshRoom();
    const ann = await target.client();
    await joined(ann, room, { accessToken: await token(room, 'ann') });
    assert.deepEqual(await failure(adminFor(target, room, { roomList: true }).startRecording(room)), [403, 'permission_denied']);
    const admin = adminFor(target, room, { roomRecord: true });
    const started = await admin.startRecording(room);
    const on = await ann.next('recording_started');
    assert.deepEqual([on.recordingId, on.startedBy], [started.id, null]);
    assert.deepEqual(await failure(admin.startRecording(room)), [409, 'conflict']);
    const host = (await adminFor(target, room).getRoom(room)).node;
    const listed = (await admin.listRecordings()).find((r) => r.id === started.id);
    assert.deepEqual([listed?.state, listed?.room, listed?.node], ['recording', room, host]);
    const stopped = await admin.stopRecording(room);
    assert.deepEqual([stopped.id, stopped.error, typeof stopped.stoppedAt], [started.id, null, 'number']);
    const off = await ann.next('recording_stopped');
    assert.deepEqual([off.recordingId, off.reason, off.error], [started.id, 'stopped', null]);
    assert.deepEqual(await failure(admin.stopRecording(room)), [404, 'not_found']);
    const after = (await admin.listRecordings()).find((r) => r.id === started.id);
    assert.equal(after?.state, 'stopped');
    // Its composite job, on the room's node, is listed from every node.
    assert.ok(['queued', 'running', 'done'].includes(after?.composite?.state ?? ''), JSON.stringify(after?.composite));
  });

  test('listParticipants: everyone, hidden ones too, with identity and permissions; the room counts only the listed', async () => {
    const room = target.freshRoom();
    const [ann, recorder] = [await target.client(), await target.client()];
    await joined(ann, room, { accessToken: await token(room, 'ann', { canChat: false }, { name: 'Ann', metadata: '{"team":"blue"}' }) });
    await joined(recorder, room, { accessToken: await token(room, 'recorder', { hidden: true }) });
    const admin = adminFor(target, room);
    const participants = (await admin.listParticipants(room)).sort((a, b) => a.identity.localeCompare(b.identity));
    assert.deepEqual(
      participants.map((p) => [p.identity, p.name, p.metadata, p.hidden, p.permissions.canChat, p.tracks]),
      [
        ['ann', 'Ann', '{"team":"blue"}', false, false, []],
        ['recorder', 'someone', undefined, true, true, []],
      ],
    );
    assert.equal((await admin.getRoom(room)).participants, 1);
  });

  test('removeParticipant with banSeconds: gone for everyone, closed with 4003, and the identity refused when it comes back', async () => {
    const room = target.freshRoom();
    const [guest, other] = [await target.client(), await target.client()];
    await joined(other, room, { accessToken: await token(room, 'other') });
    const guestToken = await token(room, 'guest');
    const guestJoined = await joined(guest, room, { accessToken: guestToken });
    await adminFor(target, room).removeParticipant(room, 'guest', { banSeconds: 60 });
    assert.equal((await guest.next('removed')).reason, 'banned');
    assert.equal(await guest.closed(), 4003);
    assert.equal((await other.next('participant_left', (m) => m.participantId === guestJoined.self.id)).reason, 'banned');
    assert.deepEqual(await refusal(await target.client(), room, { accessToken: guestToken }), ['permission_denied', 'banned']);
    assert.deepEqual(await failure(adminFor(target, room).removeParticipant(room, 'guest')), [404, 'not_found']);
  });

  test('removeParticipant without a ban: kicked, and free to come back', async () => {
    const room = target.freshRoom();
    const [guest, other] = [await target.client(), await target.client()];
    await joined(other, room, { accessToken: await token(room, 'other') });
    await joined(guest, room, { accessToken: await token(room, 'guest') });
    await adminFor(target, room).removeParticipant(room, 'guest');
    assert.equal((await guest.next('removed')).reason, 'kicked');
    assert.equal(await guest.closed(), 4003);
    await joined(await target.client(), room, { accessToken: await token(room, 'guest') });
  });

  test('muteTrack: everyone sees the track muted and forced; the answer shows it muted', async () => {
    const room = target.freshRoom();
    const [guest, other] = [await target.client(), await target.client()];
    await joined(other, room, { accessToken: await token(room, 'other') });
    await joined(guest, room, { accessToken: await token(room, 'guest') });
    assert.equal((await request(guest, { type: 'publish', source: 'microphone', mid: '0' })).type, 'ack');
    const published = await other.next('track_published');
    const admin = adminFor(target, room);
    const details = await admin.muteTrack(room, 'guest', 'microphone');
    assert.deepEqual(details.tracks.map((t) => [t.source, t.muted]), [['microphone', true]]);
    for (const c of [guest, other]) {
      const muted = await c.next('track_muted', (m) => m.trackId === published.track.id);
      assert.deepEqual([muted.muted, muted.forced], [true, true]);
    }
    assert.deepEqual(await failure(admin.muteTrack(room, 'guest', 'camera')), [404, 'not_found']);
    assert.deepEqual(await failure(admin.muteTrack(room, 'nobody', 'microphone')), [404, 'not_found']);
  });

  test('updatePermissions canPublish false: their track is unpublished for everyone at once, and they are told', async () => {
    const room = target.freshRoom();
    const [guest, other] = [await target.client(), await target.client()];
    await joined(other, room, { accessToken: await token(room, 'other') });
    await joined(guest, room, { accessToken: await token(room, 'guest') });
    assert.equal((await request(guest, { type: 'publish', source: 'camera', mid: '0' })).type, 'ack');
    const published = await other.next('track_published');
    const details = await adminFor(target, room).updatePermissions(room, 'guest', { canPublish: false });
    assert.deepEqual([details.permissions.canPublish, details.permissions.canPublishSources, details.tracks], [false, [], []]);
    assert.equal((await other.next('track_unpublished', (m) => m.trackId === published.track.id)).participantId, published.participantId);
    assert.deepEqual((await guest.next('permissions', (m) => !m.permissions.canPublish)).permissions.canPublishSources, []);
    const again = await request(guest, { type: 'publish', source: 'camera', mid: '1' });
    assert.deepEqual([again.type, again.type === 'error' && again.code], ['error', 'permission_denied']);
  });

  test('sendMessage: everyone in the room gets the system message', async () => {
    const room = target.freshRoom();
    const [ann, bob] = [await target.client(), await target.client()];
    await joined(ann, room, { accessToken: await token(room, 'ann') });
    await joined(bob, room, { accessToken: await token(room, 'bob') });
    await adminFor(target, room).sendMessage(room, 'the meeting ends in 5 minutes');
    for (const c of [ann, bob]) assert.equal((await c.next('system_message')).text, 'the meeting ends in 5 minutes');
  });

  test('deleteRoom: everyone is removed (deleted, 4003) and the room is gone', async () => {
    const room = target.freshRoom();
    const [ann, bob] = [await target.client(), await target.client()];
    await joined(ann, room, { accessToken: await token(room, 'ann') });
    await joined(bob, room, { accessToken: await token(room, 'bob') });
    const admin = adminFor(target, room);
    await admin.deleteRoom(room);
    for (const c of [ann, bob]) {
      assert.equal((await c.next('removed')).reason, 'deleted');
      assert.equal(await c.closed(), 4003);
    }
    await until(() => admin.listRooms(), (rooms) => !rooms.some((r) => r.name === room), 'the room to be gone');
    assert.deepEqual(await failure(admin.getRoom(room)), [404, 'not_found']);
    assert.deepEqual(await failure(admin.deleteRoom(room)), [404, 'not_found']);
  });

  test('a room that is not open is not_found for every call about it', async () => {
    const room = target.freshRoom();
    const admin = adminFor(target, room);
    const calls = [
      () => admin.getRoom(room),
      () => admin.deleteRoom(room),
      () => admin.listParticipants(room),
      () => admin.removeParticipant(room, 'ann', { banSeconds: 5 }),
      () => admin.muteTrack(room, 'ann', 'microphone'),
      () => admin.updatePermissions(room, 'ann', { canChat: false }),
      () => admin.sendMessage(room, 'hello?'),
    ];
    for (const call of calls) assert.deepEqual(await failure(call()), [404, 'not_found'], call.toString());
  });

  test("grants: a moderator's own join token manages its room and no other; a roomList token reads but does not change", async () => {
    const room = target.freshRoom();
    const mod = await target.client();
    await joined(mod, room, { accessToken: await token(room, 'mod', { roomAdmin: true }) });
    const asModerator = new AdminClient(target.apiUrl(room), await token(room, 'mod', { roomAdmin: true }));
    assert.equal((await asModerator.getRoom(room)).name, room);
    assert.deepEqual((await asModerator.listParticipants(room)).map((p) => p.identity), ['mod']);
    assert.deepEqual(await failure(asModerator.listRooms()), [403, 'permission_denied']);
    assert.deepEqual(await failure(asModerator.getRoom(`${room}-x`)), [403, 'permission_denied']);
    const reader = adminFor(target, room, { roomList: true });
    assert.equal((await reader.getRoom(room)).participants, 1);
    assert.deepEqual(await failure(reader.sendMessage(room, 'hi')), [403, 'permission_denied']);
    assert.deepEqual(await failure(reader.deleteRoom(room)), [403, 'permission_denied']);
    assert.deepEqual(await failure(reader.createRoom({ name: `${room}-new` })), [403, 'permission_denied']);
  });

  test('raw HTTP: no token 401, a bad body 400 naming the field, wrong content type 415, wrong method 405', async () => {
    const room = target.freshRoom();
    const url = `${target.apiUrl(room)}/api/v1`;
    const authorization = `Bearer ${await adminToken()}`;
    const errorOf = async (response: Response) => [response.status, ((await response.json()) as { error: { code: string; message: string } }).error] as const;
    const anonymous = await fetch(`${url}/rooms`);
    assert.equal(anonymous.headers.get('www-authenticate'), 'Bearer realm="confab"');
    assert.deepEqual((await errorOf(anonymous))[1].code, 'unauthenticated');
    const [badStatus, bad] = await errorOf(await fetch(`${url}/rooms`, { method: 'POST', headers: { authorization, 'content-type': 'application/json' }, body: JSON.stringify({ name: room, maxParticipants: 'ten' }) }));
    assert.deepEqual([badStatus, bad.code], [400, 'invalid_argument']);
    assert.match(bad.message, /^body\.maxParticipants: /);
    assert.equal((await fetch(`${url}/rooms`, { method: 'POST', headers: { authorization, 'content-type': 'text/plain' }, body: '{}' })).status, 415);
    const put = await fetch(`${url}/rooms/${room}`, { method: 'PUT', headers: { authorization } });
    assert.deepEqual([put.status, put.headers.get('allow')], [405, 'GET, DELETE']);
    assert.deepEqual(await failure(adminFor(target, room).getRoom(room)), [404, 'not_found']);
  });
}

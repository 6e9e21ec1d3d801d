import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SignJWT } from 'jose';
import { AccessToken } from '@confab/server-sdk';
import type { AccessGrants, ServerMessage } from '@confab/protocol';
import type { WsClient } from './wsClient';

/** The key pair the servers of these cases are started with (CONFAB_API_KEYS=TEST_KEY:TEST_SECRET). */
export const TEST_KEY = 'APItest';
export const TEST_SECRET = 'test-secret-of-at-least-thirty-two-characters';
export const TOKEN_MODE_ENV = { CONFAB_API_KEYS: `${TEST_KEY}:${TEST_SECRET}` };

/** Where access cases run: one node in token mode, or a cluster whose clients land on different nodes. */
export interface AccessTarget {
  /** A connected client; in a cluster, each on the next node. */
  client(): Promise<WsClient>;
  freshRoom(): string;
  /** How long a guest waits in the lobby before a moderator decides: in a cluster, longer than a relayed call may take. */
  lobbyWaitMs?: number;
}

type Of<T extends ServerMessage['type']> = Extract<ServerMessage, { type: T }>;

export function token(room: string, identity: string, grants: AccessGrants = {}, options: { name?: string; metadata?: string; ttl?: number } = {}): Promise<string> {
  return new AccessToken(TEST_KEY, TEST_SECRET, { identity, ...options }).addGrant({ room, roomJoin: true, ...grants }).toJwt();
}

let requestId = 100;

/** Sends `join` and resolves with its reply: `joined`, or the `error`. */
export async function joinWith(client: WsClient, room: string, fields: Record<string, unknown>): Promise<Of<'joined'> | Of<'error'>> {
  const id = ++requestId;
  client.send({ type: 'join', id, v: 1, room, name: 'someone', ...fields });
  return Promise.race([client.next('joined', (m) => m.id === id, 10_000), client.next('error', (m) => m.id === id, 10_000)]);
}

export async function joined(client: WsClient, room: string, fields: Record<string, unknown>): Promise<Of<'joined'>> {
  const reply = await joinWith(client, room, fields);
  assert.equal(reply.type, 'joined', `join refused: ${JSON.stringify(reply)}`);
  return reply as Of<'joined'>;
}

/** Sends a request and resolves with its `ack`, or its `error`. */
export async function request(client: WsClient, message: Record<string, unknown>): Promise<Of<'ack'> | Of<'error'>> {
  const id = ++requestId;
  client.send({ ...message, id });
  return Promise.race([client.next('ack', (m) => m.id === id, 10_000), client.next('error', (m) => m.id === id, 10_000)]);
}

export async function refusal(client: WsClient, room: string, fields: Record<string, unknown>): Promise<[string, string | undefined]> {
  const reply = await joinWith(client, room, fields);
  assert.equal(reply.type, 'error', `expected a refusal, got ${reply.type}`);
  const error = reply as Of<'error'>;
  return [error.code, error.reason];
}

/**
 * Token mode, moderation, lobby, password and bans as clients see them. The same cases run on one
 * node (access.test.ts) and through a cluster with real Redis (clusterAccess.test.ts).
 */
export function accessCases(target: AccessTarget): void {
  test('token mode: each bad token is refused with its own reason; a good one joins as its identity', async () => {
    const room = target.freshRoom();
    const c = await target.client();
    const now = Math.floor(Date.now() / 1000);
    const secret = new TextEncoder().encode(TEST_SECRET);
    const claims = { iss: TEST_KEY, sub: 'ann', grants: { room, roomJoin: true } };
    const signed = (payload: object, key = secret, alg = 'HS256') => new SignJWT({ ...payload }).setProtectedHeader({ alg }).sign(key);
    const cases: [string, Record<string, unknown>, string, string][] = [
      ['no token', {}, 'unauthenticated', 'token_missing'],
      ['garbage', { accessToken: 'not-a-jwt' }, 'unauthenticated', 'token_malformed'],
      ['alg none', { accessToken: `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(JSON.stringify({ ...claims, exp: now + 60 })).toString('base64url')}.` }, 'unauthenticated', 'token_algorithm'],
      ['another secret', { accessToken: await signed({ ...claims, exp: now + 60 }, new TextEncoder().encode('another-secret-of-at-least-thirty-two-chars')) }, 'unauthenticated', 'token_bad_signature'],
      ['unknown key', { accessToken: await signed({ ...claims, iss: 'nobody', exp: now + 60 }) }, 'unauthenticated', 'token_unknown_key'],
      ['expired', { accessToken: await signed({ ...claims, exp: now - 120 }) }, 'unauthenticated', 'token_expired'],
      ['not yet valid', { accessToken: await signed({ ...claims, nbf: now + 600, exp: now + 900 }) }, 'unauthenticated', 'token_not_yet_valid'],
      ['another room', { accessToken: await token(`${room}-x`, 'ann') }, 'permission_denied', 'token_wrong_room'],
    ];
    for (const [what, fields, code, reason] of cases) assert.deepEqual(await refusal(c, room, fields), [code, reason], what);

    const ok = await joined(c, room, { accessToken: await token(room, 'ann', {}, { name: 'Ann Smith', metadata: '{"team":"blue"}' }), name: 'typed name' });
    assert.deepEqual([ok.self.identity, ok.self.name, ok.self.metadata], ['ann', 'Ann Smith', '{"team":"blue"}']);
    assert.deepEqual(ok.permissions, { canPublish: true, canPublishSources: ['microphone', 'camera', 'screen'], canSubscribe: true, canChat: true, moderator: false });
  });

  test('one seat per identity: a second join takes the seat, and the first is told why and not let back by its client', async () => {
    const room = target.freshRoom();
    const [first, second, other] = [await target.client(), await target.client(), await target.client()];
    const seen = await joined(other, room, { accessToken: await token(room, 'observer') });
    const firstJoined = await joined(first, room, { accessToken: await token(room, 'ann') });
    await joined(second, room, { accessToken: await token(room, 'ann') });
    assert.equal((await first.next('removed')).reason, 'replaced');
    assert.equal(await first.closed(), 4003);
    const left = await other.next('participant_left', (m) => m.participantId === firstJoined.self.id);
    assert.equal(left.reason, 'replaced');
    assert.equal(seen.participants.length, 0);
  });

  test('grants limit what a token may do: no publish, only a microphone, no chat', async () => {
    const room = target.freshRoom();
    const c = await target.client();
    const reply = await joined(c, room, { accessToken: await token(room, 'viewer', { canPublishSources: ['microphone'], canChat: false }) });
    assert.deepEqual(reply.permissions.canPublishSources, ['microphone']);
    const camera = await request(c, { type: 'publish', source: 'camera', mid: '0' });
    assert.deepEqual([camera.type, camera.type === 'error' && camera.code], ['error', 'permission_denied']);
    const chat = await request(c, { type: 'chat', text: 'hi' });
    assert.deepEqual([chat.type, chat.type === 'error' && chat.code], ['error', 'permission_denied']);
    assert.equal((await request(c, { type: 'publish', source: 'microphone', mid: '0' })).type, 'ack');
  });

  test('moderation is checked on the server: a guest gets permission_denied for each request', async () => {
    const room = target.freshRoom();
    const [mod, guest] = [await target.client(), await target.client()];
    const modJoined = await joined(mod, room, { accessToken: await token(room, 'mod', { roomAdmin: true }) });
    assert.equal(modJoined.self.moderator, true);
    await joined(guest, room, { accessToken: await token(room, 'guest') });
    const victim = modJoined.self.id;
    for (const message of [
      { type: 'mute_participant', participantId: victim, source: 'microphone' },
      { type: 'remove_participant', participantId: victim },
      { type: 'set_moderator', participantId: victim, moderator: false },
      { type: 'update_room', locked: true },
      { type: 'lobby_decision', participantId: victim, admit: true },
      { type: 'end_meeting' },
      { type: 'set_recording', recording: true },
    ]) {
      const reply = await request(guest, message);
      assert.deepEqual([reply.type, reply.type === 'error' && reply.code], ['error', 'permission_denied'], message.type);
    }
  });

  test('a moderator mutes a guest: everyone is told it was forced, only the guest can unmute', async () => {
    const room = target.freshRoom();
    const [mod, guest] = [await target.client(), await target.client()];
    await joined(mod, room, { accessToken: await token(room, 'mod', { roomAdmin: true }) });
    const guestJoined = await joined(guest, room, { accessToken: await token(room, 'guest') });
    assert.equal((await request(guest, { type: 'publish', source: 'microphone', mid: '0' })).type, 'ack');
    const published = await mod.next('track_published');
    assert.equal((await request(mod, { type: 'mute_participant', participantId: guestJoined.self.id, source: 'microphone' })).type, 'ack');
    for (const c of [mod, guest]) {
      const muted = await c.next('track_muted', (m) => m.trackId === published.track.id);
      assert.deepEqual([muted.muted, muted.forced], [true, true]);
    }
    assert.equal((await request(guest, { type: 'mute', source: 'microphone', muted: false })).type, 'ack');
    const unmuted = await mod.next('track_muted', (m) => m.trackId === published.track.id && !m.muted);
    assert.equal(unmuted.forced, undefined);
  });

  test('kicked and banned: gone for everyone at once, refused on every node even with a valid token', async () => {
    const room = target.freshRoom();
    const [mod, guest, other] = [await target.client(), await target.client(), await target.client()];
    await joined(mod, room, { accessToken: await token(room, 'mod', { roomAdmin: true }) });
    await joined(other, room, { accessToken: await token(room, 'other') });
    const guestToken = await token(room, 'guest');
    const guestJoined = await joined(guest, room, { accessToken: guestToken });
    const startedAt = performance.now();
    assert.equal((await request(mod, { type: 'remove_participant', participantId: guestJoined.self.id, banSeconds: 60 })).type, 'ack');
    assert.equal((await guest.next('removed')).reason, 'banned');
    assert.equal(await guest.closed(), 4003);
    const left = await other.next('participant_left', (m) => m.participantId === guestJoined.self.id);
    const goneMs = performance.now() - startedAt;
    assert.equal(left.reason, 'banned');
    // Back with the same, still valid token: through every node of the target.
    const refusedAt: number[] = [];
    for (let i = 0; i < 3; i++) {
      const again = await target.client();
      assert.deepEqual(await refusal(again, room, { accessToken: guestToken }), ['permission_denied', 'banned']);
      refusedAt.push(performance.now() - startedAt);
      again.close();
    }
    assert.ok(goneMs < 1_000, `gone for the others after ${goneMs} ms`);
    console.log(`[measure] ban_to_left_ms=${goneMs.toFixed(0)} ban_to_refusal_ms=${refusedAt.map((t) => t.toFixed(0)).join(',')}`);
    // The ban is for the identity: anyone else still gets in.
    await joined(await target.client(), room, { accessToken: await token(room, 'someone-else') });
  });

  test('lobby: a guest waits without seeing anything of the room until a moderator admits them; a denied one is refused', async () => {
    const room = target.freshRoom();
    const [mod, guest, denied] = [await target.client(), await target.client(), await target.client()];
    const modJoined = await joined(mod, room, { accessToken: await token(room, 'mod', { roomAdmin: true }) });
    assert.equal((await request(mod, { type: 'update_room', lobby: true })).type, 'ack');
    assert.deepEqual((await mod.next('room_access')).access, { locked: false, lobby: true, passwordProtected: false });
    mod.send({ type: 'chat', text: 'before the guest is in' });

    guest.send({ type: 'join', id: 1, v: 1, room, name: 'g', accessToken: await token(room, 'guest', {}, { name: 'Guest' }) });
    assert.equal((await guest.next('waiting')).room, room);
    const lobby = await mod.next('lobby', (m) => m.waiting.length === 1);
    assert.equal(lobby.waiting[0]!.name, 'Guest');
    await new Promise((r) => setTimeout(r, target.lobbyWaitMs ?? 300));
    assert.deepEqual(guest.received.map((m) => m.type), ['waiting'], 'nothing of the room before being let in');
    assert.equal(mod.all('participant_joined').length, 0);

    assert.equal((await request(mod, { type: 'lobby_decision', participantId: lobby.waiting[0]!.participantId, admit: true })).type, 'ack');
    const guestJoined = await guest.next('joined', (m) => m.id === 1);
    assert.deepEqual(guestJoined.participants.map((p) => p.id), [modJoined.self.id]);
    await mod.next('participant_joined', (m) => m.participant.id === guestJoined.self.id);
    await mod.next('lobby', (m) => m.waiting.length === 0);

    denied.send({ type: 'join', id: 1, v: 1, room, name: 'd', accessToken: await token(room, 'denied') });
    const knock = await mod.next('lobby', (m) => m.waiting[0]?.identity === 'denied');
    const decision = await request(mod, { type: 'lobby_decision', participantId: knock.waiting[0]!.participantId, admit: false });
    assert.equal(decision.type, 'ack', JSON.stringify(decision));
    const refused = await denied.next('error', (m) => m.id === 1);
    assert.deepEqual([refused.code, refused.reason], ['permission_denied', 'lobby_denied']);
  });

  test('lobby: a guest who arrives before any moderator waits, and the moderator finds them there', async () => {
    const room = target.freshRoom();
    const [mod, guest] = [await target.client(), await target.client()];
    // The room is set up with its lobby on by a moderator who then leaves.
    const setter = await target.client();
    await joined(setter, room, { accessToken: await token(room, 'setter', { roomAdmin: true }) });
    await request(setter, { type: 'update_room', lobby: true });
    guest.send({ type: 'join', id: 1, v: 1, room, name: 'g', accessToken: await token(room, 'early-guest') });
    await guest.next('waiting');
    setter.close();
    await new Promise((r) => setTimeout(r, 300));
    assert.deepEqual(guest.received.map((m) => m.type), ['waiting']);
    await joined(mod, room, { accessToken: await token(room, 'mod', { roomAdmin: true }) });
    const lobby = await mod.next('lobby', (m) => m.waiting.length === 1);
    await request(mod, { type: 'lobby_decision', participantId: lobby.waiting[0]!.participantId, admit: true });
    await guest.next('joined', (m) => m.id === 1);
  });

  test('lobby: a guest who gives up waiting (closes the page) leaves the moderators\' list', async () => {
    const room = target.freshRoom();
    const [mod, guest] = [await target.client(), await target.client()];
    await joined(mod, room, { accessToken: await token(room, 'mod', { roomAdmin: true }) });
    await request(mod, { type: 'update_room', lobby: true });
    guest.send({ type: 'join', id: 1, v: 1, room, name: 'g', accessToken: await token(room, 'impatient') });
    await mod.next('lobby', (m) => m.waiting.length === 1);
    const closedAt = performance.now();
    guest.close();
    await mod.next('lobby', (m) => m.waiting.length === 0, 2_000);
    console.log(`[measure] lobby_gone_after_close_ms=${(performance.now() - closedAt).toFixed(0)}`);
  });

  test('locked and password-protected rooms; moderators by token pass both; wrong guesses are limited', async () => {
    const room = target.freshRoom();
    const mod = await target.client();
    await joined(mod, room, { accessToken: await token(room, 'mod', { roomAdmin: true }) });
    await request(mod, { type: 'update_room', locked: true });
    const guest = await target.client();
    assert.deepEqual(await refusal(guest, room, { accessToken: await token(room, 'guest') }), ['permission_denied', 'room_locked']);
    await joined(await target.client(), room, { accessToken: await token(room, 'mod2', { roomAdmin: true }) });

    await request(mod, { type: 'update_room', locked: false, password: 'open sesame' });
    assert.deepEqual((await mod.next('room_access', (m) => m.access.passwordProtected)).access, { locked: false, lobby: false, passwordProtected: true });
    const guestToken = await token(room, 'guest');
    assert.deepEqual(await refusal(guest, room, { accessToken: guestToken }), ['permission_denied', 'password_required']);
    assert.deepEqual(await refusal(guest, room, { accessToken: guestToken, password: 'wrong' }), ['permission_denied', 'password_wrong']);
    const ok = await joined(guest, room, { accessToken: guestToken, password: 'open sesame' });
    assert.equal(ok.access.passwordProtected, true);
    const guesser = await target.client();
    const guesses = [];
    for (let i = 0; i < 6; i++) guesses.push((await refusal(guesser, room, { accessToken: await token(room, `g${i}`), password: `guess-${i}` }))[0]);
    // The guest's one wrong password above counts too: five wrong within a minute, then every guess waits.
    assert.deepEqual([guesses[0], guesses[5]], ['permission_denied', 'rate_limited'], guesses.join(','));
  });

  test('raise hand is seen by all; a moderator makes another one; ending the meeting removes everyone', async () => {
    const room = target.freshRoom();
    const [mod, guest, third] = [await target.client(), await target.client(), await target.client()];
    await joined(mod, room, { accessToken: await token(room, 'mod', { roomAdmin: true }) });
    const guestJoined = await joined(guest, room, { accessToken: await token(room, 'guest') });
    await joined(third, room, { accessToken: await token(room, 'third') });
    await request(guest, { type: 'raise_hand', raised: true });
    assert.equal((await third.next('participant_updated', (m) => m.participant.id === guestJoined.self.id)).participant.handRaised, true);
    await request(mod, { type: 'set_moderator', participantId: guestJoined.self.id, moderator: true });
    assert.equal((await guest.next('permissions', (m) => m.permissions.moderator)).permissions.moderator, true);
    assert.equal((await third.next('participant_updated', (m) => m.participant.moderator)).participant.id, guestJoined.self.id);
    // The new moderator ends the meeting.
    assert.equal((await request(guest, { type: 'end_meeting' })).type, 'ack');
    for (const c of [mod, guest, third]) {
      assert.equal((await c.next('removed')).reason, 'ended');
      assert.equal(await c.closed(), 4003);
    }
  });

  test('token mode: a resume needs a valid access token for the same identity', async () => {
    const room = target.freshRoom();
    const c = await target.client();
    const reply = await joined(c, room, { accessToken: await token(room, 'ann') });
    c.socket.terminate();
    const again = await target.client();
    const resume = { type: 'resume', id: 1, v: 1, room, participantId: reply.self.id, token: reply.session.resumeToken, lastSeq: 0 };
    again.send(resume);
    const missing = await again.next('error', (m) => m.id === 1);
    assert.deepEqual([missing.code, missing.reason], ['unauthenticated', 'token_missing']);
    again.send({ ...resume, id: 2, accessToken: await token(room, 'bob') });
    const other = await again.next('error', (m) => m.id === 2);
    assert.deepEqual([other.code, other.reason], ['permission_denied', 'token_wrong_identity']);
    again.send({ ...resume, id: 3, accessToken: await token(room, 'ann') });
    await again.next('resumed', (m) => m.id === 3);
  });
}

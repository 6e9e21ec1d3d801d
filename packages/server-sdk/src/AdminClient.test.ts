import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, beforeEach, test } from 'node:test';
import type { ParticipantDetails, RoomSummary } from '@confab/protocol';
import { AdminApiError } from './AdminApiError';
import { AdminClient } from './AdminClient';

/** What the fake admin API saw of each request. */
interface Seen {
  method: string;
  url: string;
  authorization: string | undefined;
  contentType: string | undefined;
  body: unknown;
}

const ROOM = { name: 'standup', sid: 'RM_1', participants: 2, createdAt: 1_796_300_000_000, node: 'node-a1', maxParticipants: 10, emptyTimeoutSeconds: 300, locked: false, lobby: false, passwordProtected: false } as RoomSummary;
const ADA = {
  id: 'PA_1',
  identity: 'u 42/ü',
  name: 'Ada',
  joinedAt: 1_796_300_000_000,
  hidden: false,
  handRaised: false,
  permissions: { canPublish: true, canPublishSources: ['camera'], canSubscribe: true, canChat: true, moderator: false },
  tracks: [{ id: 'TR_1', source: 'camera', kind: 'video', muted: true }],
} as ParticipantDetails;

let server: Server;
let baseUrl: string;
let seen: Seen[] = [];
/** The next answer: a status and a body (JSON unless a string). */
let answer: { status: number; body?: unknown } = { status: 200 };

before(async () => {
  server = createServer((request, response) => {
    let text = '';
    request.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
    request.on('end', () => {
      const { method = '', url = '', headers } = request;
      seen.push({ method, url, authorization: headers.authorization, contentType: headers['content-type'], body: text === '' ? undefined : JSON.parse(text) });
      const body = answer.body === undefined ? '' : typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body);
      response.writeHead(answer.status, body === '' ? {} : { 'content-type': 'application/json' }).end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => server.close());
beforeEach(() => {
  seen = [];
});

function answerWith(status: number, body?: unknown): void {
  answer = { status, body };
}

const admin = () => new AdminClient(baseUrl, 'adm1n-t0ken');

test('rooms: list, get, create and delete, with the bearer token', async () => {
  answerWith(200, { rooms: [ROOM] });
  assert.deepEqual(await admin().listRooms(), [ROOM]);
  answerWith(200, { room: ROOM });
  assert.deepEqual(await admin().getRoom('standup'), ROOM);
  answerWith(201, { room: ROOM });
  assert.deepEqual(await admin().createRoom({ name: 'standup', maxParticipants: 10, password: 'pw' }), ROOM);
  answerWith(204);
  assert.equal(await admin().deleteRoom('standup'), undefined);
  assert.deepEqual(seen, [
    { method: 'GET', url: '/api/v1/rooms', authorization: 'Bearer adm1n-t0ken', contentType: undefined, body: undefined },
    { method: 'GET', url: '/api/v1/rooms/standup', authorization: 'Bearer adm1n-t0ken', contentType: undefined, body: undefined },
    { method: 'POST', url: '/api/v1/rooms', authorization: 'Bearer adm1n-t0ken', contentType: 'application/json', body: { name: 'standup', maxParticipants: 10, password: 'pw' } },
    { method: 'DELETE', url: '/api/v1/rooms/standup', authorization: 'Bearer adm1n-t0ken', contentType: undefined, body: undefined },
  ]);
});

test('participants: list, remove (and ban), mute, permissions; identities URL-encoded', async () => {
  const ada = '/api/v1/rooms/standup/participants/u%2042%2F%C3%BC';
  answerWith(200, { participants: [ADA] });
  assert.deepEqual(await admin().listParticipants('standup'), [ADA]);
  answerWith(204);
  await admin().removeParticipant('standup', ADA.identity);
  await admin().removeParticipant('standup', ADA.identity, { banSeconds: 600 });
  answerWith(200, { participant: ADA });
  assert.deepEqual(await admin().muteTrack('standup', ADA.identity, 'camera'), ADA);
  assert.deepEqual(await admin().updatePermissions('standup', ADA.identity, { canPublish: false }), ADA);
  answerWith(202);
  await admin().sendMessage('standup', 'the meeting ends in 5 minutes');
  assert.deepEqual(
    seen.map(({ method, url, body }) => [method, url, body]),
    [
      ['GET', '/api/v1/rooms/standup/participants', undefined],
      ['DELETE', ada, undefined],
      ['DELETE', `${ada}?banSeconds=600`, undefined],
      ['POST', `${ada}/mute`, { source: 'camera', muted: true }],
      ['PATCH', ada, { permissions: { canPublish: false } }],
      ['POST', '/api/v1/rooms/standup/messages', { text: 'the meeting ends in 5 minutes' }],
    ],
  );
});

test('a token function is asked for a fresh token on every call; the base URL may carry a path', async () => {
  let minted = 0;
  const client = new AdminClient(`${baseUrl}/confab/`, async () => `token-${++minted}`);
  answerWith(200, { rooms: [] });
  await client.listRooms();
  await client.listRooms();
  assert.deepEqual(seen.map((s) => [s.url, s.authorization]), [
    ['/confab/api/v1/rooms', 'Bearer token-1'],
    ['/confab/api/v1/rooms', 'Bearer token-2'],
  ]);
});

async function failsWith(call: Promise<unknown>, status: number, code: string, message: RegExp): Promise<void> {
  await assert.rejects(call, (error: unknown) => {
    assert.ok(error instanceof AdminApiError, String(error));
    assert.deepEqual([error.status, error.code], [status, code]);
    assert.match(error.message, message);
    return true;
  });
}

test('errors: the API error body as it is, else what the status says; an answer of the wrong shape is internal', async () => {
  answerWith(404, { error: { code: 'not_found', message: 'room "nope" does not exist' } });
  await failsWith(admin().getRoom('nope'), 404, 'not_found', /^room "nope" does not exist$/);
  answerWith(403, { error: { code: 'permission_denied', message: 'this token has no roomCreate grant' } });
  await failsWith(admin().createRoom({ name: 'x' }), 403, 'permission_denied', /no roomCreate grant/);
  answerWith(502, '<html>Bad Gateway</html>');
  await failsWith(admin().deleteRoom('standup'), 502, 'unavailable', /DELETE \/rooms\/standup: HTTP 502 Bad Gateway/);
  answerWith(401);
  await failsWith(admin().sendMessage('standup', 'hi'), 401, 'unauthenticated', /HTTP 401/);
  answerWith(200, { rooms: [{ name: 'standup' }] });
  await failsWith(admin().listRooms(), 200, 'internal', /GET \/rooms: unexpected answer: rooms\.0\./);
  answerWith(200, 'not json');
  await failsWith(admin().getRoom('standup'), 200, 'internal', /unexpected answer/);
});

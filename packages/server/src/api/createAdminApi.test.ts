import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, beforeEach, test } from 'node:test';
import { ProtocolError } from '@confab/protocol';
import { AdminApiError, AdminClient } from '@confab/server-sdk';
import { ADA, adminToken, ROOM, startAdminApi, type TestAdminApi } from './testAdminApi';

let api: TestAdminApi;
before(async () => {
  api = await startAdminApi();
});
after(() => api.close());
beforeEach(() => {
  api.administration.calls.length = 0;
  api.administration.failWith = undefined;
  api.logs.length = 0;
});

const ALL = { roomList: true, roomCreate: true, roomAdmin: true };

async function errorOf(response: Response): Promise<[number, string, string]> {
  const body = (await response.json()) as { error: { code: string; message: string } };
  return [response.status, body.error.code, body.error.message];
}

test('every call through AdminClient reaches the administration with its arguments, and answers as the SDK expects', async () => {
  const admin = new AdminClient(api.baseUrl, () => adminToken(ALL));
  assert.deepEqual(await admin.listRooms(), [ROOM]);
  assert.deepEqual(await admin.getRoom('standup'), ROOM);
  assert.deepEqual(await admin.createRoom({ name: 'standup', maxParticipants: 5, lobby: true, password: 'pw' }), ROOM);
  assert.equal(await admin.deleteRoom('standup'), undefined);
  assert.deepEqual(await admin.listParticipants('standup'), [ADA]);
  assert.equal(await admin.removeParticipant('standup', 'u 42/ü', { banSeconds: 60 }), undefined);
  assert.equal(await admin.removeParticipant('standup', 'bob'), undefined);
  assert.deepEqual(await admin.muteTrack('standup', 'u 42/ü', 'microphone'), ADA);
  assert.deepEqual(await admin.updatePermissions('standup', 'u 42/ü', { canPublish: false }), ADA);
  assert.equal(await admin.sendMessage('standup', 'back in 5'), undefined);
  assert.deepEqual(api.administration.calls, [
    ['listRooms'],
    ['getRoom', 'standup'],
    ['createRoom', { name: 'standup', maxParticipants: 5, lobby: true, password: 'pw' }],
    ['deleteRoom', 'standup'],
    ['listParticipants', 'standup'],
    ['removeParticipant', 'standup', 'u 42/ü', 60],
    ['removeParticipant', 'standup', 'bob', undefined],
    ['muteTrack', 'standup', 'u 42/ü', 'microphone'],
    ['updatePermissions', 'standup', 'u 42/ü', { canPublish: false }],
    ['sendMessage', 'standup', 'back in 5'],
  ]);
});

test('statuses: 201 on create, 204 on delete and remove, 202 on a message; JSON that is never cached', async () => {
  const headers = { authorization: `Bearer ${await adminToken(ALL)}`, 'content-type': 'application/json' };
  const created = await api.call('/rooms', { method: 'POST', headers, body: '{"name":"standup"}' });
  assert.deepEqual([created.status, created.headers.get('content-type'), created.headers.get('cache-control')], [201, 'application/json; charset=utf-8', 'no-store']);
  assert.deepEqual(await created.json(), { room: ROOM });
  const statuses = [
    (await api.call('/rooms/standup', { method: 'DELETE', headers })).status,
    (await api.call('/rooms/standup/participants/ada', { method: 'DELETE', headers })).status,
    (await api.call('/rooms/standup/messages', { method: 'POST', headers, body: '{"text":"hi"}' })).status,
  ];
  assert.deepEqual(statuses, [204, 204, 202]);
});

test('only paths under /api/v1 are taken; unknown ones are not_found, a wrong method is 405 with Allow', async () => {
  assert.equal(await (await fetch(`${api.baseUrl}/api/v1x/rooms`)).text(), 'not the api');
  assert.equal(await (await fetch(`${api.baseUrl}/api/rooms`)).text(), 'not the api');
  assert.deepEqual((await errorOf(await api.call(''))).slice(0, 2), [404, 'not_found']);
  assert.deepEqual(await errorOf(await api.call('/nothing')), [404, 'not_found', 'there is no "/api/v1/nothing" in the admin API (see /api/v1/openapi.json)']);
  assert.deepEqual((await errorOf(await api.call('/rooms/'))).slice(0, 2), [404, 'not_found']);
  assert.deepEqual((await errorOf(await api.call('/rooms/a/b'))).slice(0, 2), [404, 'not_found']);
  const put = await api.call('/rooms', { method: 'PUT' });
  assert.equal(put.headers.get('allow'), 'GET, POST');
  assert.deepEqual(await errorOf(put), [405, 'invalid_argument', 'PUT is not allowed on /api/v1/rooms; use GET, POST']);
  assert.equal((await api.call('/rooms/standup/participants/ada', { method: 'POST' })).headers.get('allow'), 'DELETE, PATCH');
  assert.equal(api.administration.calls.length, 0);
});

test('tokens: none, another scheme, or one that does not verify is 401 with WWW-Authenticate and the reason', async () => {
  const none = await api.call('/rooms');
  assert.equal(none.headers.get('www-authenticate'), 'Bearer realm="confab"');
  assert.deepEqual((await errorOf(none)).slice(0, 2), [401, 'unauthenticated']);
  assert.deepEqual((await errorOf(await api.call('/rooms', { headers: { authorization: `Basic ${btoa('a:b')}` } }))).slice(0, 2), [401, 'unauthenticated']);
  const garbage = await errorOf(await api.call('/rooms', { headers: { authorization: 'Bearer not-a-jwt' } }));
  assert.deepEqual(garbage.slice(0, 2), [401, 'unauthenticated']);
  assert.match(garbage[2], /^access token is malformed/);
  const forged = await errorOf(await api.call('/rooms', { headers: { authorization: `Bearer ${await adminToken(ALL, { secret: 'another-secret-of-at-least-32-characters' })}` } }));
  assert.match(forged[2], /signature does not match/);
  assert.equal(api.administration.calls.length, 0);
});

test('grants: each call needs its own, roomAdmin only for its room (or every room when it names none)', async () => {
  const as = async (grants: object, path: string, method = 'GET') =>
    (await api.call(path, { method, headers: { authorization: `Bearer ${await adminToken(grants)}` } })).status;
  assert.deepEqual(
    [
      await as({ roomList: true }, '/rooms'),
      await as({ roomCreate: true, roomAdmin: true }, '/rooms'),
      await as({ roomList: true }, '/rooms/standup'),
      await as({ roomAdmin: true, room: 'standup' }, '/rooms/standup'),
      await as({ roomAdmin: true, room: 'other' }, '/rooms/standup'),
      await as({ roomCreate: true }, '/rooms/standup', 'DELETE'),
      await as({ roomList: true }, '/rooms/standup', 'DELETE'),
      await as({ roomAdmin: true, room: 'standup' }, '/rooms/standup', 'DELETE'),
      await as({ roomAdmin: true, room: 'standup' }, '/rooms/standup/participants'),
      await as({ roomAdmin: true }, '/rooms/standup/participants'),
      await as({ roomList: true, roomCreate: true }, '/rooms/standup/participants'),
      await as({ roomAdmin: true, room: 'other' }, '/rooms/standup/participants/ada', 'DELETE'),
      await as({ room: 'standup', roomJoin: true }, '/rooms/standup/participants'),
    ],
    [200, 403, 200, 200, 403, 204, 403, 204, 200, 200, 403, 403, 403],
  );
  const denied = await errorOf(await api.call('/rooms/standup', { headers: { authorization: `Bearer ${await adminToken({ roomAdmin: true, room: 'other' })}` } }));
  assert.deepEqual(denied, [403, 'permission_denied', 'this call needs an access token with roomList, or roomAdmin for room "standup" (its roomAdmin is for room "other")']);
  const create = await errorOf(await api.call('/rooms', { method: 'POST', headers: { authorization: `Bearer ${await adminToken({ roomList: true })}` } }));
  assert.deepEqual(create, [403, 'permission_denied', 'this call needs an access token with roomCreate']);
});

test('bodies: JSON only, at most 64 KB, every field checked against admin.ts and named when wrong', async () => {
  const authorization = `Bearer ${await adminToken(ALL)}`;
  const post = (path: string, body: string, contentType = 'application/json', method = 'POST') =>
    api.call(path, { method, headers: { authorization, 'content-type': contentType }, body });
  assert.deepEqual((await errorOf(await post('/rooms', '{"name":"x"}', 'text/plain'))).slice(0, 2), [415, 'invalid_argument']);
  assert.equal((await post('/rooms', '{"name":"x"}', 'application/json; charset=utf-8')).status, 201);
  assert.deepEqual((await errorOf(await post('/rooms', '{"name":'))).slice(0, 3), [400, 'invalid_argument', 'the request body is not valid JSON']);
  assert.deepEqual((await errorOf(await post('/rooms', ''))).slice(0, 2), [400, 'invalid_argument']);
  const big = await post('/rooms', JSON.stringify({ name: 'x', pad: 'x'.repeat(70_000) }));
  assert.equal(big.headers.get('connection'), 'close');
  assert.deepEqual((await errorOf(big)).slice(0, 2), [413, 'resource_exhausted']);
  const cases: [string, string, string, string][] = [
    ['/rooms', '{"name":"no spaces"}', 'POST', 'body.name: room name must be 1-64 letters, digits, "-", "_" or "."'],
    ['/rooms', '{"name":"x","maxParticipants":0}', 'POST', 'body.maxParticipants: '],
    ['/rooms', '{"name":"x","colour":"red"}', 'POST', 'body: '],
    ['/rooms/standup/participants/ada', '{"permissions":{"canPublish":"no"}}', 'PATCH', 'body.permissions.canPublish: '],
    ['/rooms/standup/participants/ada/mute', '{"source":"nose"}', 'POST', 'body.source: '],
    ['/rooms/standup/messages', '{"text":""}', 'POST', 'body.text: '],
  ];
  for (const [path, body, method, message] of cases) {
    const [status, code, text] = await errorOf(await post(path, body, 'application/json', method));
    assert.deepEqual([status, code], [400, 'invalid_argument'], body);
    assert.ok(text.startsWith(message), `${text} should start with ${message}`);
  }
  assert.match((await errorOf(await post('/rooms', '{"name":"x","colour":"red"}')))[2], /colour/);
  assert.equal(api.administration.calls.length, 1);
});

test('a body over the limit sent without Content-Length is refused as soon as it passes 64 KB', async () => {
  const authorization = `Bearer ${await adminToken(ALL)}`;
  const url = new URL(`${api.baseUrl}/api/v1/rooms`);
  const status = await new Promise<number>((resolve, reject) => {
    const req = request(url, { method: 'POST', headers: { authorization, 'content-type': 'application/json', 'transfer-encoding': 'chunked' } }, (res) => {
      resolve(res.statusCode ?? 0);
      req.destroy();
    });
    req.on('error', reject);
    req.write(`{"name":"x","pad":"${'x'.repeat(40_000)}`);
    req.write('x'.repeat(40_000));
    // Never ended: the answer must not wait for the rest.
  });
  assert.equal(status, 413);
  assert.equal(api.administration.calls.length, 0);
});

test('path parameters and the query are checked: a bad room name, a bad or misspelt banSeconds', async () => {
  const headers = { authorization: `Bearer ${await adminToken(ALL)}` };
  assert.deepEqual((await errorOf(await api.call('/rooms/a%20b', { headers }))).slice(0, 3), [400, 'invalid_argument', 'room: room name must be 1-64 letters, digits, "-", "_" or "."']);
  assert.deepEqual((await errorOf(await api.call('/rooms/x/participants/%E0%A4%A', { method: 'DELETE', headers }))).slice(0, 3), [400, 'invalid_argument', 'identity: not valid percent-encoding']);
  for (const query of ['banSeconds=abc', 'banSeconds=0', 'banSeconds=1.5', 'banSeconds=99999999', 'banSecond=60']) {
    const [status, code, message] = await errorOf(await api.call(`/rooms/x/participants/ada?${query}`, { method: 'DELETE', headers }));
    assert.deepEqual([status, code], [400, 'invalid_argument'], query);
    assert.match(message, /^query/, query);
  }
  assert.equal(api.administration.calls.length, 0);
});

test("the administration's errors keep their code with its status; anything else is a logged 500 that says only internal", async () => {
  const admin = new AdminClient(api.baseUrl, await adminToken(ALL));
  const cases: [unknown, number, string, string][] = [
    [ProtocolError.notFound('no room "standup" is open'), 404, 'not_found', 'no room "standup" is open'],
    [ProtocolError.conflict('room "standup" is open already'), 409, 'conflict', 'room "standup" is open already'],
    [ProtocolError.invalid('bad'), 400, 'invalid_argument', 'bad'],
    [ProtocolError.exhausted('too many rooms'), 429, 'resource_exhausted', 'too many rooms'],
    [ProtocolError.unavailable('Redis is unavailable'), 503, 'unavailable', 'Redis is unavailable'],
    [new TypeError('secret detail'), 500, 'internal', 'internal server error'],
  ];
  for (const [thrown, status, code, message] of cases) {
    api.administration.failWith = thrown;
    const error = await admin.getRoom('standup').then(() => undefined, (e: unknown) => e);
    assert.ok(error instanceof AdminApiError);
    assert.deepEqual([error.status, error.code, error.message], [status, code, message]);
  }
  assert.equal(api.logs.filter((l) => l.msg === 'admin api call failed').length, 1);
});

test('calls that change something are logged with who made them; every answer is counted by route template', async () => {
  const admin = new AdminClient(api.baseUrl, await adminToken(ALL));
  await admin.removeParticipant('standup', 'ada', { banSeconds: 60 });
  const logged = api.logs.find((l) => l.call === 'removeParticipant');
  assert.deepEqual([logged?.room, logged?.identity, logged?.apiKey, logged?.subject], ['standup', 'ada', 'APIunit', 'ops']);
  const counts = (await api.registry.getSingleMetric('confab_admin_api_requests_total')!.get()).values;
  const count = (labels: object) => counts.find((v) => Object.entries(labels).every(([k, want]) => v.labels[k] === want))?.value;
  assert.ok(count({ route: '/api/v1/rooms/{room}/participants/{identity}', method: 'DELETE', status: '204' })! >= 1);
  assert.ok(count({ route: 'unmatched', method: 'GET', status: '404' })! >= 1);
  assert.equal(counts.some((v) => String(v.labels.route).includes('standup')), false);
});

test('open mode: no API keys, no tokens to check; every call but openapi.json is 403 and says what to set', async (t) => {
  const open = await startAdminApi({ apiKeys: undefined });
  t.after(() => open.close());
  assert.deepEqual(await errorOf(await open.call('/rooms')), [403, 'permission_denied', 'the admin API needs API keys: set CONFAB_API_KEYS']);
  assert.equal((await open.call('/rooms/standup', { method: 'DELETE', headers: { authorization: 'Bearer x' } })).status, 403);
  const document = await open.call('/openapi.json');
  assert.equal(document.status, 200);
  assert.equal(((await document.json()) as { openapi: string }).openapi, '3.1.0');
  assert.equal(open.administration.calls.length, 0);
});

test('rate limit: each API key has its own bucket; past it, 429 rate_limited with Retry-After', async (t) => {
  const limited = await startAdminApi({ rateLimit: { perSecond: 0.001, burst: 3 } });
  t.after(() => limited.close());
  const headers = { authorization: `Bearer ${await adminToken({ roomList: true })}` };
  const statuses = [];
  for (let i = 0; i < 4; i++) statuses.push((await limited.call('/rooms', { headers })).status);
  assert.deepEqual(statuses, [200, 200, 200, 429]);
  const refused = await limited.call('/rooms', { headers });
  assert.equal(refused.headers.get('retry-after'), '1');
  assert.deepEqual((await errorOf(refused)).slice(0, 2), [429, 'rate_limited']);
  const otherKey = { authorization: `Bearer ${await adminToken({ roomList: true }, { key: 'APIother' })}` };
  assert.equal((await limited.call('/rooms', { headers: otherKey })).status, 200);
  // Public and unauthenticated calls take nothing from the bucket: only a verified key's calls are counted.
  assert.equal((await limited.call('/openapi.json')).status, 200);
  assert.equal(limited.administration.calls.length, 4);
});

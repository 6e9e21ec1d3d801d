import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SignJWT, type JWTPayload } from 'jose';
import { ErrorCode, MAX_ACCESS_TOKEN_LENGTH, ProtocolError } from '@confab/protocol';
import { AccessTokenError, type AccessTokenRefusal } from './AccessTokenError';
import { verifyAccessToken } from './verifyAccessToken';

const SECRET = 'app-secret-0123456789-0123456789-abcdef';
const OTHER_SECRET = 'other-secret-0123456789-0123456789-abcdef';
const KEYS = new Map([['app', SECRET], ['second', OTHER_SECRET]]);
const NOW_MS = Date.UTC(2026, 11, 3, 12, 0, 0);
const NOW = NOW_MS / 1000;

function claims(overrides: JWTPayload = {}): JWTPayload {
  return { iss: 'app', sub: 'alice', name: 'Alice', nbf: NOW, exp: NOW + 3600, grants: { room: 'standup', roomJoin: true }, ...overrides };
}

function sign(payload: JWTPayload, secret = SECRET, alg = 'HS256'): Promise<string> {
  return new SignJWT(payload).setProtectedHeader({ alg, typ: 'JWT' }).sign(new TextEncoder().encode(secret));
}

const b64url = (text: string) => Buffer.from(text).toString('base64url');

async function refused(token: string | Promise<string>, reason: AccessTokenRefusal, message?: RegExp): Promise<void> {
  await assert.rejects(verifyAccessToken(await token, KEYS, NOW_MS), (error: unknown) => {
    assert.ok(error instanceof AccessTokenError && error instanceof ProtocolError, String(error));
    assert.equal(error.code, ErrorCode.Unauthenticated);
    assert.equal(error.reason, reason, error.message);
    if (message) assert.match(error.message, message);
    return true;
  });
}

test('a valid token gives its claims, whichever configured key signed it', async () => {
  assert.deepEqual(await verifyAccessToken(await sign(claims()), KEYS, NOW_MS), claims());
  const second = claims({ iss: 'second', metadata: '{"team":"blue"}', grants: { room: 'standup', roomAdmin: true } });
  assert.deepEqual(await verifyAccessToken(await sign(second, OTHER_SECRET), KEYS, NOW_MS), second);
});

test('only HS256: alg none, HS512 and RS256 are refused before any key is used', async () => {
  await refused(`eyJhbGciOiJub25lIn0.${b64url(JSON.stringify(claims()))}.`, 'token_algorithm', /signed with "none", only HS256/);
  await refused(sign(claims(), SECRET, 'HS512'), 'token_algorithm', /"HS512"/);
  const [, payload, signature] = (await sign(claims())).split('.');
  await refused(`${b64url('{"alg":"RS256","typ":"JWT"}')}.${payload}.${signature}`, 'token_algorithm', /"RS256"/);
});

test('the key: an unknown iss, and a signature made with another secret or over other claims', async () => {
  await refused(sign(claims({ iss: 'stranger' })), 'token_unknown_key', /API key "stranger", which this server does not have/);
  await refused(sign(claims(), OTHER_SECRET), 'token_bad_signature', /does not match the secret of API key "app"/);
  const [header, , signature] = (await sign(claims())).split('.');
  const otherRoom = b64url(JSON.stringify(claims({ grants: { room: 'board', roomJoin: true } })));
  await refused(`${header}.${otherRoom}.${signature}`, 'token_bad_signature');
});

test('60 s of leeway on exp and nbf, no more', async () => {
  assert.equal((await verifyAccessToken(await sign(claims({ exp: NOW - 30 })), KEYS, NOW_MS)).sub, 'alice');
  await refused(sign(claims({ exp: NOW - 90 })), 'token_expired', /expired at 2026-12-03T11:58:30.000Z; ask for a new one/);
  assert.equal((await verifyAccessToken(await sign(claims({ nbf: NOW + 30 })), KEYS, NOW_MS)).sub, 'alice');
  await refused(sign(claims({ nbf: NOW + 90 })), 'token_not_yet_valid', /valid from 2026-12-03T12:01:30.000Z but this server's clock says 2026-12-03T12:00:00.000Z/);
});

test('too large, checked before anything is decoded', async () => {
  await refused('a'.repeat(MAX_ACCESS_TOKEN_LENGTH + 1), 'token_too_large', /at most 4096/);
  await refused(sign(claims({ metadata: 'x'.repeat(MAX_ACCESS_TOKEN_LENGTH) })), 'token_too_large');
});

test('garbage and claims that do not fit are malformed', async () => {
  const header = b64url('{"alg":"HS256"}');
  for (const garbage of ['', 'not a token', 'a.b.c', `${header}.%%%.sig`, `${header}.${b64url('[1]')}.sig`, `${header}.${b64url('{"iss":"app"')}.sig`, `${header}.${b64url('{"iss":"app"}')}.a.b`]) {
    await refused(garbage, 'token_malformed');
  }
  const [good, payload] = (await sign(claims())).split('.');
  await refused(`${good}.${payload}.!!not-base64url!!`, 'token_malformed');
  await refused(sign(claims({ iss: undefined })), 'token_malformed', /no "iss" claim/);
  await refused(sign(claims({ grants: undefined })), 'token_malformed', /grants/);
  await refused(sign(claims({ exp: undefined })), 'token_malformed', /"exp"/);
  await refused(sign(claims({ exp: 'tomorrow' as unknown as number })), 'token_malformed');
  await refused(sign(claims({ grants: { room: 'no spaces allowed!', roomJoin: true } })), 'token_malformed', /grants\.room/);
  await refused(sign(claims({ grants: { room: 'standup', admin: true } })), 'token_malformed', /grants/);
  await refused(sign(claims({ sub: 'line\nbreak' })), 'token_malformed', /sub/);
});

test('a join without a token', () => {
  const error = AccessTokenError.missing();
  assert.deepEqual([error.code, error.reason], [ErrorCode.Unauthenticated, 'token_missing']);
});

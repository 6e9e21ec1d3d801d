import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeProtectedHeader, jwtVerify } from 'jose';
import { AccessToken } from './AccessToken';

const SECRET = 'sdk-secret-0123456789-0123456789-abcdef';

async function verified(jwt: string) {
  return (await jwtVerify(jwt, new TextEncoder().encode(SECRET), { algorithms: ['HS256'] })).payload;
}

test('toJwt signs HS256 with the secret: key in iss, identity in sub, grants, valid from now for 6 h', async () => {
  const before = Math.floor(Date.now() / 1000);
  const jwt = await new AccessToken('app', SECRET, { identity: 'u-42', name: 'Ada', metadata: '{"team":"blue"}' })
    .addGrant({ room: 'standup', roomJoin: true })
    .toJwt();
  assert.deepEqual(decodeProtectedHeader(jwt), { alg: 'HS256', typ: 'JWT' });
  const claims = await verified(jwt);
  assert.deepEqual(
    [claims.iss, claims.sub, claims.name, claims.metadata, claims.grants],
    ['app', 'u-42', 'Ada', '{"team":"blue"}', { room: 'standup', roomJoin: true }],
  );
  assert.ok(claims.nbf! >= before && claims.nbf! <= before + 1);
  assert.equal(claims.iat, claims.nbf);
  assert.equal(claims.exp! - claims.nbf!, 6 * 3600);
  assert.match(String(claims.jti), /^[0-9a-f-]{36}$/);
});

test('ttl as seconds or a duration; every token its own jti', async () => {
  const token = new AccessToken('app', SECRET, { identity: 'u-1', ttl: '15m' }).addGrant({ room: 'a' });
  const [first, second] = await Promise.all([token.toJwt(), token.toJwt()]).then((jwts) => Promise.all(jwts.map(verified)));
  assert.equal(first!.exp! - first!.nbf!, 900);
  assert.notEqual(first!.jti, second!.jti);
  const seconds = await verified(await new AccessToken('app', SECRET, { identity: 'u-1', ttl: 120 }).toJwt());
  assert.equal(seconds.exp! - seconds.nbf!, 120);
  assert.equal(seconds.name, undefined, 'no name given: no name claim');
  assert.throws(() => new AccessToken('app', SECRET, { identity: 'u-1', ttl: '6 hours' }), RangeError);
});

test('addGrant adds, and a grant given again replaces the earlier one', async () => {
  const token = new AccessToken('app', SECRET, { identity: 'u-1' }).addGrant({ room: 'a', roomJoin: true, canPublish: false }).addGrant({ room: 'b', roomAdmin: true });
  assert.deepEqual((await verified(await token.toJwt())).grants, { room: 'b', roomJoin: true, canPublish: false, roomAdmin: true });
});

test('a token the server would call malformed is not made', async () => {
  assert.throws(() => new AccessToken('', SECRET, { identity: 'u-1' }), /API key and its secret/);
  assert.throws(() => new AccessToken('app', '', { identity: 'u-1' }), /API key and its secret/);
  await assert.rejects(new AccessToken('app', SECRET, { identity: '' }).toJwt(), /AccessToken: sub:/);
  await assert.rejects(new AccessToken('app', SECRET, { identity: 'u-1' }).addGrant({ room: 'no spaces' }).toJwt(), /AccessToken: grants\.room:/);
  await assert.rejects(new AccessToken('app', SECRET, { identity: 'u-1', metadata: 'x'.repeat(5000) }).toJwt(), /AccessToken: metadata:/);
});

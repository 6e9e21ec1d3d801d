import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeJwt } from 'jose';
import { ACCESS_TOKEN_LEEWAY_SECONDS } from '@confab/protocol';
import { AccessToken } from '@confab/server-sdk';
import { AccessTokenError } from './AccessTokenError';
import { checkJoinGrant, permissionsFrom } from './grants';
import { verifyAccessToken } from './verifyAccessToken';

const SECRET = 'sdk-secret-0123456789-0123456789-abcdef';
const KEYS = new Map([['app', SECRET]]);

test('a token made by @confab/server-sdk passes verifyAccessToken and the join check', async () => {
  const jwt = await new AccessToken('app', SECRET, { identity: 'u-42', name: 'Ada', metadata: '{"team":"blue"}', ttl: '1h' })
    .addGrant({ room: 'standup', roomJoin: true, canPublishSources: ['microphone'] })
    .toJwt();
  const claims = await verifyAccessToken(jwt, KEYS);
  assert.deepEqual([claims.iss, claims.sub, claims.name, claims.metadata], ['app', 'u-42', 'Ada', '{"team":"blue"}']);
  checkJoinGrant(claims, 'standup');
  assert.deepEqual(permissionsFrom(claims.grants).canPublishSources, ['microphone']);
});

test('the server holds it to its ttl and its secret', async () => {
  const jwt = await new AccessToken('app', SECRET, { identity: 'u-42', ttl: 600 }).addGrant({ room: 'standup' }).toJwt();
  // Timed from the token's own claims: they are whole seconds, so "now + ttl" may be up to 1 s past `exp`.
  const { iat, exp } = decodeJwt(jwt);
  assert.equal(exp! - iat!, 600);
  const lastValidMs = (exp! + ACCESS_TOKEN_LEEWAY_SECONDS) * 1000;
  await verifyAccessToken(jwt, KEYS, lastValidMs - 1000);
  await assert.rejects(verifyAccessToken(jwt, KEYS, lastValidMs + 1000), (e: unknown) => e instanceof AccessTokenError && e.reason === 'token_expired');
  const forged = await new AccessToken('app', SECRET.replace('sdk', 'xyz'), { identity: 'u-42' }).toJwt();
  await assert.rejects(verifyAccessToken(forged, KEYS), (e: unknown) => e instanceof AccessTokenError && e.reason === 'token_bad_signature');
});

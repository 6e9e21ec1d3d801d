import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';
import type { ParticipantId } from '@confab/protocol';
import { ConfigError, DEFAULT_TURN_TTL_SECONDS, loadConfig } from './config';
import { createIceServerSource, turnCredentials, turnUrlProblem } from './turnCredentials';

const participant = 'PA_abcdefghijkl' as ParticipantId;
const settings = { urls: ['turn:turn.example.com:3478', 'turns:turn.example.com:5349'], secret: 'north-sea-fog', ttlSeconds: 3600 };

test('TURN credentials: username <expiry>:<participant>, password base64(HMAC-SHA1(secret, username))', () => {
  const now = Date.UTC(2026, 0, 2, 3, 4, 5, 678);
  const server = turnCredentials(settings, participant, now);
  const expiry = Math.floor(now / 1000) + 3600;
  assert.equal(server.username, `${expiry}:${participant}`);
  assert.deepEqual(server.urls, settings.urls);
  // The same HMAC computed by openssl, not by our code.
  const openssl = execFileSync('openssl', ['dgst', '-sha1', '-hmac', settings.secret, '-binary'], { input: server.username! });
  assert.equal(server.credential, openssl.toString('base64'));
  // A fixed vector (printf '1700086400:alice' | openssl dgst -sha1 -hmac north-sea-fog -binary | base64), so a change of algorithm or encoding can't pass unnoticed even without openssl.
  const fixed = turnCredentials({ ...settings, ttlSeconds: 86_400 }, 'alice' as ParticipantId, 1_700_000_000_000);
  assert.equal(fixed.username, '1700086400:alice');
  assert.equal(fixed.credential, 'QsnrVildbWSzDU4pRbafqVtSU8A=');
});

test('each call mints new credentials; CONFAB_ICE_SERVERS entries come first, unchanged', () => {
  const fixed = [{ urls: 'stun:stun.example.com:3478' }];
  const source = createIceServerSource(fixed, settings);
  const servers = source(participant);
  assert.deepEqual(servers[0], fixed[0]);
  assert.equal(servers.length, 2);
  assert.match(servers[1]!.username!, /^\d+:PA_abcdefghijkl$/);
  assert.deepEqual(createIceServerSource(fixed, undefined)(participant), fixed);
});

test('CONFAB_TURN_* settings: both or neither, valid URLs, TTL default 6 h and bounds', () => {
  assert.equal(loadConfig({}).turn, undefined);
  const config = loadConfig({ CONFAB_TURN_URLS: 'turn:203.0.113.7:3478?transport=udp, turn:203.0.113.7:3478?transport=tcp,turns:turn.example.com:5349', CONFAB_TURN_SECRET: 's3cret' });
  assert.deepEqual(config.turn, {
    urls: ['turn:203.0.113.7:3478?transport=udp', 'turn:203.0.113.7:3478?transport=tcp', 'turns:turn.example.com:5349'],
    secret: 's3cret',
    ttlSeconds: DEFAULT_TURN_TTL_SECONDS,
  });
  assert.equal(DEFAULT_TURN_TTL_SECONDS, 21_600);
  assert.equal(loadConfig({ CONFAB_TURN_URLS: 'turn:[2001:db8::1]:3478', CONFAB_TURN_SECRET: 's', CONFAB_TURN_TTL_SECONDS: '600' }).turn?.ttlSeconds, 600);
  assert.throws(() => loadConfig({ CONFAB_TURN_URLS: 'turn:turn.example.com' }), /CONFAB_TURN_URLS is set but CONFAB_TURN_SECRET is not/);
  assert.throws(() => loadConfig({ CONFAB_TURN_SECRET: 's' }), /CONFAB_TURN_SECRET is set but CONFAB_TURN_URLS is not/);
  assert.throws(() => loadConfig({ CONFAB_TURN_URLS: 'stun:turn.example.com', CONFAB_TURN_SECRET: 's' }), /CONFAB_TURN_URLS: "stun:turn.example.com" is not a TURN URL/);
  assert.throws(() => loadConfig({ CONFAB_TURN_URLS: 'turn://turn.example.com:3478', CONFAB_TURN_SECRET: 's' }), ConfigError);
  assert.throws(() => loadConfig({ CONFAB_TURN_URLS: 'turns:turn.example.com?transport=udp', CONFAB_TURN_SECRET: 's' }), /transport=udp is not possible/);
  assert.throws(() => loadConfig({ CONFAB_TURN_URLS: 'turn:turn.example.com:99999', CONFAB_TURN_SECRET: 's' }), /port must be 1 to 65535/);
  assert.throws(() => loadConfig({ CONFAB_TURN_TTL_SECONDS: '0' }), /CONFAB_TURN_TTL_SECONDS must be an integer from 10 to 2592000/);
  assert.throws(() => loadConfig({ CONFAB_TURN_TTL_SECONDS: '6h' }), /CONFAB_TURN_TTL_SECONDS/);
});

test('turn URL forms of RFC 7065', () => {
  for (const good of ['turn:h', 'turn:h:1', 'turns:h.example:443?transport=tcp', 'turn:[::1]:3478?transport=udp', 'turn:127.0.0.1']) {
    assert.equal(turnUrlProblem(good), undefined, good);
  }
  for (const bad of ['', 'turn:', 'turn:h:0', 'turn:h:abc', 'turn:h?transport=sctp', 'turn:user@h', 'turn:h/path', 'TURN:h']) {
    assert.notEqual(turnUrlProblem(bad), undefined, bad);
  }
});

import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ConfigError, loadConfig } from './config';

test('defaults work with an empty environment, and point at the built web app', () => {
  const config = loadConfig({});
  assert.equal(config.port, 8080);
  assert.equal(config.host, '0.0.0.0');
  assert.deepEqual(config.iceServers, []);
  assert.match(config.webDir, /packages[/\\]web[/\\]dist$/);
  assert.equal(config.mediaWorkers, availableParallelism(), 'one media worker per core');
  assert.deepEqual([config.rtcPort, config.rtcTcpPort], [0, 0]);
  assert.ok(existsSync(join(config.webDir, '..', 'package.json')), 'the web package is beside the server package');
});

test('CONFAB_* variables are read and checked', () => {
  const config = loadConfig({
    CONFAB_PORT: '9000',
    CONFAB_PUBLIC_IP: '203.0.113.7, 198.51.100.2',
    CONFAB_ICE_SERVERS: '[{"urls":"turn:turn.example:3478","username":"u","credential":"c"}]',
    CONFAB_MAX_PARTICIPANTS_PER_ROOM: '12',
    CONFAB_MEDIA_ENGINE: 'sfu',
    CONFAB_RTC_PORT: '40000',
    CONFAB_RTC_TCP_PORT: '443',
  });
  assert.deepEqual([config.rtcPort, config.rtcTcpPort], [40000, 443]);
  assert.equal(config.port, 9000);
  assert.deepEqual(config.publicIps, ['203.0.113.7', '198.51.100.2']);
  assert.equal(config.iceServers[0]?.username, 'u');
  assert.equal(config.maxParticipantsPerRoom, 12);
  assert.throws(() => loadConfig({ CONFAB_PORT: 'eighty' }), ConfigError);
  assert.throws(() => loadConfig({ CONFAB_PORT: '70000' }), /CONFAB_PORT must be an integer from 0 to 65535/);
  assert.throws(() => loadConfig({ CONFAB_ICE_SERVERS: '{"urls":1}' }), /JSON array/);
  assert.throws(() => loadConfig({ CONFAB_LOG_LEVEL: 'loud' }), /one of/);
  assert.throws(() => loadConfig({ CONFAB_RTC_PORT: '-1' }), /CONFAB_RTC_PORT must be an integer/);
  assert.throws(() => loadConfig({ CONFAB_RTC_PORT: '65535', CONFAB_MEDIA_WORKERS: '2' }), /CONFAB_RTC_PORT \+ CONFAB_MEDIA_WORKERS - 1 must be at most 65535/);
});

test('the retired werift engine\'s settings stop the start with what replaced them; CONFAB_MEDIA_ENGINE=sfu still starts', () => {
  assert.throws(() => loadConfig({ CONFAB_MEDIA_ENGINE: 'werift' }), /werift engine was retired; sfu is the only media engine/);
  assert.throws(() => loadConfig({ CONFAB_RTC_MIN_PORT: '40000', CONFAB_RTC_MAX_PORT: '40100' }), /CONFAB_RTC_MIN_PORT went with the werift engine: .*CONFAB_RTC_PORT/);
  assert.throws(() => loadConfig({ CONFAB_RTC_MAX_PORT: '40100' }), /CONFAB_RTC_MAX_PORT went with the werift engine/);
  assert.equal(loadConfig({ CONFAB_MEDIA_ENGINE: 'sfu' }).port, 8080);
});

test('media workers: CONFAB_MEDIA_WORKERS (0 = in-process)', () => {
  assert.equal(loadConfig({ CONFAB_MEDIA_WORKERS: '3' }).mediaWorkers, 3);
  assert.equal(loadConfig({ CONFAB_MEDIA_WORKERS: '0' }).mediaWorkers, 0);
  assert.throws(() => loadConfig({ CONFAB_MEDIA_WORKERS: '-1' }), /CONFAB_MEDIA_WORKERS must be an integer from 0/);
});

test('TLS settings: cert and key together, the redirect port only with them, trusted proxies parsed', () => {
  const plain = loadConfig({});
  assert.equal(plain.tls, undefined, 'nothing set: plain HTTP');
  assert.equal(plain.httpRedirectPort, undefined);
  assert.equal(plain.trustedProxies.empty, true);
  const tls = loadConfig({ CONFAB_PORT: '443', CONFAB_TLS_CERT: '/c.pem', CONFAB_TLS_KEY: '/k.pem', CONFAB_HTTP_REDIRECT_PORT: '80', CONFAB_TRUST_PROXY: '10.0.0.0/8' });
  assert.deepEqual(tls.tls, { certPath: '/c.pem', keyPath: '/k.pem' });
  assert.equal(tls.httpRedirectPort, 80);
  assert.equal(tls.trustedProxies.trusts('10.1.2.3'), true);
  assert.throws(() => loadConfig({ CONFAB_TLS_CERT: '/c.pem' }), /CONFAB_TLS_CERT and CONFAB_TLS_KEY must be set together/);
  assert.throws(() => loadConfig({ CONFAB_TLS_KEY: '/k.pem' }), ConfigError);
  assert.throws(() => loadConfig({ CONFAB_HTTP_REDIRECT_PORT: '80' }), /set CONFAB_TLS_CERT and CONFAB_TLS_KEY too/);
  assert.throws(() => loadConfig({ CONFAB_PORT: '8443', CONFAB_TLS_CERT: '/c', CONFAB_TLS_KEY: '/k', CONFAB_HTTP_REDIRECT_PORT: '8443' }), /must differ/);
  assert.throws(() => loadConfig({ CONFAB_TRUST_PROXY: 'haproxy.local' }), (e: Error) => e instanceof ConfigError && e.message.includes('"haproxy.local"'));
});

test('CONFAB_ACME_WEBROOT is served on the redirect port, so it needs one', () => {
  const tls = { CONFAB_TLS_CERT: '/c.pem', CONFAB_TLS_KEY: '/k.pem' };
  assert.equal(loadConfig({ ...tls, CONFAB_HTTP_REDIRECT_PORT: '80', CONFAB_ACME_WEBROOT: '/var/lib/confab/acme' }).acmeWebroot, '/var/lib/confab/acme');
  assert.throws(() => loadConfig({ ...tls, CONFAB_ACME_WEBROOT: '/var/lib/confab/acme' }), /set that too/);
});

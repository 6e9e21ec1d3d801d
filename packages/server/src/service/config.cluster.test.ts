import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, loadConfig, redactPassword } from './config';

test('one node by default: no Redis URL, a generated node id, no node URL', () => {
  const config = loadConfig({});
  assert.equal(config.redisUrl, undefined);
  assert.match(config.nodeId, /^node-[0-9a-f]{6}$/);
  assert.notEqual(loadConfig({}).nodeId, config.nodeId, 'each start gets its own id');
  assert.equal(config.nodeUrl, undefined);
});

test('CONFAB_REDIS_URL, CONFAB_NODE_ID and CONFAB_NODE_URL are read as given', () => {
  const config = loadConfig({
    CONFAB_REDIS_URL: 'redis://:s3cret@10.0.0.5:6380/2',
    CONFAB_NODE_ID: 'eu-1.a_b',
    CONFAB_NODE_URL: 'https://node1.example.com:8443/',
  });
  assert.equal(config.redisUrl, 'redis://:s3cret@10.0.0.5:6380/2');
  assert.equal(config.nodeId, 'eu-1.a_b');
  assert.equal(config.nodeUrl, 'https://node1.example.com:8443', 'without the trailing slash');
  for (const url of ['redis://127.0.0.1:6379', 'redis://localhost', 'rediss://user:pw@redis.example.com:6380/0']) {
    assert.equal(loadConfig({ CONFAB_REDIS_URL: url }).redisUrl, url);
  }
});

test('bad cluster settings stop start-up with one line, and the password is never printed', () => {
  const bad: [Record<string, string>, RegExp][] = [
    [{ CONFAB_REDIS_URL: 'http://127.0.0.1:6379' }, /CONFAB_REDIS_URL must look like redis:\/\//],
    [{ CONFAB_REDIS_URL: '127.0.0.1:6379' }, /CONFAB_REDIS_URL/],
    [{ CONFAB_REDIS_URL: 'redis://:hunter2@host:6379/not-a-db' }, /redis:\/\/:\*\*\*@host/],
    [{ CONFAB_NODE_ID: 'node one' }, /CONFAB_NODE_ID must be 1-64 letters/],
    [{ CONFAB_NODE_ID: 'x'.repeat(65) }, /CONFAB_NODE_ID/],
    [{ CONFAB_NODE_URL: 'ftp://node1' }, /CONFAB_NODE_URL must be this node's http\(s\):\/\/ base URL/],
    [{ CONFAB_NODE_URL: 'https://node1/?x=1' }, /CONFAB_NODE_URL/],
  ];
  for (const [env, message] of bad) {
    assert.throws(() => loadConfig(env), (error: unknown) => error instanceof ConfigError && message.test(error.message) && !error.message.includes('hunter2'), JSON.stringify(env));
  }
});

test('redactPassword hides the password of a Redis URL and leaves the rest', () => {
  assert.equal(redactPassword('redis://:pw@h:1/0'), 'redis://:***@h:1/0');
  assert.equal(redactPassword('rediss://user:pw@h:1'), 'rediss://user:***@h:1');
  assert.equal(redactPassword('redis://h:1'), 'redis://h:1');
});

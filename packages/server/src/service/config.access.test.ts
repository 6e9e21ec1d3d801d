import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, loadConfig } from './config';

const SECRET = 's'.repeat(32);

test('open mode by default: no API keys, no webhooks', () => {
  const config = loadConfig({});
  assert.equal(config.apiKeys, undefined);
  assert.deepEqual(config.webhookUrls, []);
});

test('API keys from either form, webhook URLs with them', () => {
  const pairs = loadConfig({ CONFAB_API_KEYS: `k1:${SECRET},k2:${SECRET}2`, CONFAB_WEBHOOK_URLS: 'https://app.example.com/hook?x=1, http://10.0.0.9:3000/confab' });
  assert.deepEqual([...pairs.apiKeys!.keys()], ['k1', 'k2']);
  assert.deepEqual(pairs.webhookUrls, ['https://app.example.com/hook?x=1', 'http://10.0.0.9:3000/confab']);
  assert.equal(loadConfig({ CONFAB_API_KEY: 'k', CONFAB_API_SECRET: SECRET }).apiKeys?.get('k'), SECRET);
});

test('bad access settings stop start-up with one ConfigError line', () => {
  const bad: [NodeJS.ProcessEnv, RegExp][] = [
    [{ CONFAB_API_KEYS: 'k1' }, /CONFAB_API_KEYS: entry 1 of 1 is not key:secret/],
    [{ CONFAB_API_KEYS: `k1:${SECRET},k1:${SECRET}` }, /listed twice/],
    [{ CONFAB_API_KEYS: 'k1:tooshort' }, /at least 32/],
    [{ CONFAB_API_KEYS: `k1:${SECRET}`, CONFAB_API_KEY: 'k2', CONFAB_API_SECRET: SECRET }, /not both/],
    [{ CONFAB_API_KEY: 'k1' }, /CONFAB_API_SECRET is not/],
    [{ CONFAB_API_SECRET: SECRET }, /CONFAB_API_KEY is not/],
    [{ CONFAB_WEBHOOK_URLS: 'https://app.example.com/hook' }, /CONFAB_WEBHOOK_URLS needs an API key to sign with/],
    [{ CONFAB_API_KEYS: `k1:${SECRET}`, CONFAB_WEBHOOK_URLS: 'app.example.com/hook' }, /CONFAB_WEBHOOK_URLS: "app.example.com\/hook" is not an http\(s\):\/\/ URL/],
    [{ CONFAB_API_KEYS: `k1:${SECRET}`, CONFAB_WEBHOOK_URLS: 'ftp://app.example.com/hook' }, /CONFAB_WEBHOOK_URLS/],
    [{ CONFAB_API_KEYS: `k1:${SECRET}`, CONFAB_WEBHOOK_URLS: `https://user:${SECRET}@app.example.com/hook` }, /CONFAB_WEBHOOK_URLS: app.example.com must not carry a user or password/],
  ];
  for (const [env, message] of bad) {
    assert.throws(() => loadConfig(env), (error: unknown) => error instanceof ConfigError && message.test(error.message) && !error.message.includes(SECRET), JSON.stringify(env));
  }
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseApiKeys } from './apiKeys';

const SECRET_A = 'a'.repeat(32);
const SECRET_B = 'b:with-a-colon/and+base64='.padEnd(40, 'b');

test('no key set: open mode', () => {
  assert.equal(parseApiKeys({}), undefined);
  assert.equal(parseApiKeys({ CONFAB_API_KEYS: '', CONFAB_API_KEY: '', CONFAB_API_SECRET: '' }), undefined, 'empty counts as unset');
});

test('CONFAB_API_KEYS: key:secret pairs in order, secrets may hold colons', () => {
  const keys = parseApiKeys({ CONFAB_API_KEYS: ` first:${SECRET_A} , second.key-2:${SECRET_B}` });
  assert.deepEqual([...keys!], [['first', SECRET_A], ['second.key-2', SECRET_B]]);
});

test('CONFAB_API_KEY with CONFAB_API_SECRET: one key', () => {
  assert.deepEqual([...parseApiKeys({ CONFAB_API_KEY: 'app', CONFAB_API_SECRET: SECRET_B })!], [['app', SECRET_B]]);
});

test('bad keys stop start-up with one line that never shows a secret', () => {
  const leaked = 'Sup3r/Secret+Value=but-too-short';
  const bad: [NodeJS.ProcessEnv, RegExp][] = [
    [{ CONFAB_API_KEYS: `app=${leaked}` }, /CONFAB_API_KEYS: entry 1 of 1 is not key:secret/],
    [{ CONFAB_API_KEYS: `app:${SECRET_A},,b:${SECRET_A}` }, /entry 2 of 3 is not key:secret/],
    [{ CONFAB_API_KEYS: `app:${SECRET_A},app:${SECRET_B}` }, /key "app" is listed twice/],
    [{ CONFAB_API_KEYS: `app:${leaked.slice(0, 31)}` }, /secret of key "app" is 31 characters, use at least 32/],
    [{ CONFAB_API_KEYS: `:${SECRET_A}` }, /entry 1: the API key must be 1-256 letters/],
    [{ CONFAB_API_KEYS: `${leaked}${leaked}:app` }, /entry 1: the API key must be/],
    [{ CONFAB_API_KEYS: `app:${SECRET_A}`, CONFAB_API_KEY: 'app' }, /either CONFAB_API_KEYS or CONFAB_API_KEY with CONFAB_API_SECRET, not both/],
    [{ CONFAB_API_KEYS: `app:${SECRET_A}`, CONFAB_API_SECRET: SECRET_A }, /not both/],
    [{ CONFAB_API_KEY: 'app' }, /CONFAB_API_KEY is set but CONFAB_API_SECRET is not/],
    [{ CONFAB_API_SECRET: SECRET_A }, /CONFAB_API_SECRET is set but CONFAB_API_KEY is not/],
    [{ CONFAB_API_KEY: 'app', CONFAB_API_SECRET: 'short' }, /CONFAB_API_KEY: the secret of key "app" is 5 characters/],
    [{ CONFAB_API_KEY: 'my app', CONFAB_API_SECRET: SECRET_A }, /CONFAB_API_KEY: the API key must be/],
  ];
  for (const [env, message] of bad) {
    assert.throws(
      () => parseApiKeys(env),
      (error: unknown) => error instanceof RangeError && message.test(error.message) && !error.message.includes('Secret') && !error.message.includes('\n'),
      JSON.stringify(env),
    );
  }
});

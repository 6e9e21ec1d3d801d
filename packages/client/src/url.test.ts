import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfabError } from './errors';
import { toSignalUrl } from './url';

test('ws(s) URLs are used as given', () => {
  assert.equal(toSignalUrl('ws://localhost:7880/rtc'), 'ws://localhost:7880/rtc');
  assert.equal(toSignalUrl('wss://confab.example/rtc?x=1'), 'wss://confab.example/rtc?x=1');
});

test('http(s) URLs switch scheme and get /rtc appended once', () => {
  assert.equal(toSignalUrl('http://localhost:7880'), 'ws://localhost:7880/rtc');
  assert.equal(toSignalUrl('https://confab.example/'), 'wss://confab.example/rtc');
  assert.equal(toSignalUrl('https://example.org/confab/'), 'wss://example.org/confab/rtc');
  assert.equal(toSignalUrl('https://example.org/rtc'), 'wss://example.org/rtc');
  assert.equal(toSignalUrl('http://h:1/base?token=a#frag'), 'ws://h:1/base/rtc?token=a');
});

test('relative and unsupported URLs are invalid_argument errors', () => {
  for (const bad of ['/rtc', 'localhost:7880', 'ftp://host', '']) {
    assert.throws(
      () => toSignalUrl(bad),
      (error: unknown) => error instanceof ConfabError && error.code === 'invalid_argument',
      bad,
    );
  }
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { browserIdentity } from './identity';

function memoryStorage(): Storage {
  const items = new Map<string, string>();
  return {
    getItem: (key: string) => items.get(key) ?? null,
    setItem: (key: string, value: string) => void items.set(key, value),
  } as Storage;
}

test('a browser keeps one random identity in localStorage', () => {
  const storage = memoryStorage();
  const first = browserIdentity(storage);
  assert.match(first ?? '', /^browser-[0-9a-f]{32}$/);
  assert.equal(storage.getItem('confab.identity'), first);
  assert.equal(browserIdentity(storage), first, 'the same id after a reload');
  assert.notEqual(browserIdentity(memoryStorage()), first, 'another browser, another id');
});

test('no identity without a usable localStorage', () => {
  assert.equal(browserIdentity(undefined), undefined);
  const throwing = { getItem: () => { throw new Error('SecurityError'); } } as unknown as Storage;
  assert.equal(browserIdentity(throwing), undefined);
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isValidRoomName } from '@confab/protocol';
import { displayNameProblem, hueForName, initials, randomRoomName } from './names';

test('random room names are readable and valid', () => {
  for (let i = 0; i < 200; i++) {
    const name = randomRoomName();
    assert.match(name, /^[a-z]+-[a-z]+-\d{2}$/);
    assert.ok(isValidRoomName(name), name);
  }
  assert.equal(randomRoomName(() => 0), 'amber-badger-10');
  assert.match(randomRoomName(() => 0.9999), /-99$/);
});

test('initials', () => {
  assert.equal(initials('Ada Lovelace'), 'AL');
  assert.equal(initials('bob'), 'B');
  assert.equal(initials('  Carol  Ann Jones '), 'CJ');
  assert.equal(initials(''), '?');
  assert.equal(initials('Émile'), 'É');
});

test('hues are stable and in range', () => {
  assert.equal(hueForName('Alice'), hueForName('Alice'));
  for (const n of ['a', 'Bob', 'Zoë', '']) {
    const h = hueForName(n);
    assert.ok(h >= 0 && h < 360);
  }
});

test('display names', () => {
  assert.equal(displayNameProblem('Alice'), null);
  assert.match(displayNameProblem('   ') ?? '', /enter your name/);
  assert.match(displayNameProblem('x'.repeat(65)) ?? '', /64/);
  assert.match(displayNameProblem('a\u0007b') ?? '', /control/);
});

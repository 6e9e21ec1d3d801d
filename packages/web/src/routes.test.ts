import assert from 'node:assert/strict';
import { test } from 'node:test';
import { roomFromInput, roomNameProblem } from './lobby';
import { roomFromPath, roomPath } from './routes';

test('room paths', () => {
  assert.equal(roomFromPath('/'), undefined);
  assert.equal(roomFromPath('/r/calm-otter-42'), 'calm-otter-42');
  assert.equal(roomFromPath('/r/calm-otter-42/'), 'calm-otter-42');
  assert.equal(roomFromPath('/r/bad%20room!'), 'bad room!');
  assert.equal(roomFromPath('/r/%E0%A4%A'), '%E0%A4%A');
  assert.equal(roomFromPath('/r/a/b'), undefined);
  assert.equal(roomPath('a b'), '/r/a%20b');
});

test('the room field accepts a pasted link', () => {
  assert.equal(roomFromInput('  team.sync '), 'team.sync');
  assert.equal(roomFromInput('https://confab.example/r/team-sync?name=Bob'), 'team-sync');
  assert.equal(roomFromInput('/r/team-sync'), 'team-sync');
  assert.equal(roomFromInput('team/r/x'), 'team/r/x');
});

test('room name problems', () => {
  assert.equal(roomNameProblem('calm-otter-42'), null);
  assert.match(roomNameProblem('') ?? '', /choose a room name/);
  assert.match(roomNameProblem('bad room!') ?? '', /isn’t a valid room name/);
  assert.match(roomNameProblem('x'.repeat(65)) ?? '', /64/);
});

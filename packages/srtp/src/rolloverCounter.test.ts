import assert from 'node:assert/strict';
import { test } from 'node:test';
import { guessRoc, packetIndex } from './rolloverCounter';

test('RFC 3711 Appendix A index guessing', () => {
  assert.equal(guessRoc(0, 100, 101), 0);
  assert.equal(guessRoc(0, 100, 50), 0, 'late packet, same ROC');
  assert.equal(guessRoc(0, 65500, 3), 1, 'wrapped');
  assert.equal(guessRoc(1, 3, 65500), 0, 'late packet from before the wrap');
  assert.equal(guessRoc(0, 3, 65500), -1, 'before the stream began');
  assert.equal(guessRoc(5, 0x8000, 0), 5, 'exactly half a cycle back is still this ROC');
  assert.equal(guessRoc(5, 0x8001, 0), 6);
  assert.equal(guessRoc(5, 0, 0x8000), 5);
  assert.equal(guessRoc(5, 0, 0x8001), 4);
});

test('packet indexes are exact up to 48 bits', () => {
  assert.equal(packetIndex(0xffffffff, 0xffff), 2 ** 48 - 1);
  assert.equal(packetIndex(1, 0), 65536);
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SilenceDetector } from './SilenceDetector';

test('a sighting after more than the silence is reported once; the first one and regular ones are not', () => {
  const detector = new SilenceDetector(1000);
  assert.equal(detector.heard(5000), false, 'the first sighting is not a return');
  assert.equal(detector.heard(5900), false);
  assert.equal(detector.heard(6900), false, 'exactly the silence is not more than it');
  assert.equal(detector.heard(8000), true, '1100 ms of nothing, then a sighting');
  assert.equal(detector.heard(8010), false, 'reported once');
});

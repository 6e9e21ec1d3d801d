import assert from 'node:assert/strict';
import { test } from 'node:test';
import { uncoveredMs } from './headlessPair';

test("a gap counts for the server only where the measuring process's own stalls do not cover it", () => {
  assert.equal(uncoveredMs([1000, 1600], []), 600);
  assert.equal(uncoveredMs([1000, 1600], [[1100, 1550]]), 150, 'a stall inside the gap');
  assert.equal(uncoveredMs([1000, 1600], [[900, 1200], [1500, 1700]]), 300, 'stalls over either end');
  assert.equal(uncoveredMs([1000, 1600], [[0, 500], [1700, 1800]]), 600, 'stalls elsewhere');
  assert.equal(uncoveredMs([1000, 1600], [[950, 1650]]), 0, 'a stall covering it all');
});

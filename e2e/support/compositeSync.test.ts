import assert from 'node:assert/strict';
import { test } from 'node:test';
import { beepsStartedBy } from './compositeSync';

/** A person's beeps every 2 s from `firstMs`. */
const loop = (firstMs: number): number[] => Array.from({ length: 5 }, (_, i) => firstMs + i * 2000);
/** The mix's onsets of several people's beeps: a beep that starts within 140 ms of an earlier one is hidden by it. */
const mix = (...people: number[][]): number[] =>
  people
    .flat()
    .sort((a, b) => a - b)
    .filter((t, i, all) => i === 0 || t - all[i - 1]! >= 140);

test('people beeping 157 and 78 ms apart (a CI run): the first two are told apart, the third, hidden by the second, is not', () => {
  const [alice, bob, carol] = [loop(1479), loop(1636), loop(1716)];
  const beeps = mix(alice, bob, carol).map((t) => t + 2);
  assert.deepEqual(beepsStartedBy(beeps, alice, [...bob, ...carol]), alice.map((t) => t + 2));
  assert.deepEqual(beepsStartedBy(beeps, bob, [...alice, ...carol]), bob.map((t) => t + 2));
  assert.deepEqual(beepsStartedBy(beeps, carol, [...alice, ...bob]), []);
});

test('people beeping at one phase (one browser): the shared onset is everyone’s', () => {
  const [alice, bob, carol] = [loop(1000), loop(1003), loop(996)];
  const beeps = mix(alice, bob, carol);
  for (const [own, others] of [[alice, [...bob, ...carol]], [bob, [...alice, ...carol]], [carol, [...alice, ...bob]]] as const) {
    assert.deepEqual(beepsStartedBy(beeps, own, others), beeps);
  }
});

test('an onset is nobody’s own when it is off every one of their beeps, or another person started just before', () => {
  const alice = loop(1000);
  // The mix beeps 30 ms after Alice's file does: the manifest misplaced one of them.
  assert.deepEqual(beepsStartedBy(loop(1030), alice, []), []);
  // Bob starts 20 ms before Alice: the mix's onset is his, not hers.
  assert.deepEqual(beepsStartedBy(loop(980), alice, loop(980)), []);
  // Bob starts 160 ms before her: his beep has ended, hers is her own again.
  assert.deepEqual(beepsStartedBy(mix(alice, loop(840)), alice, loop(840)), alice);
});

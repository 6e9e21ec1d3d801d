import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ActiveSpeakerDetector, type SpeakerLevel } from './ActiveSpeakerDetector';

const STEP_MS = 100;

/** Who speaks (and how loud) during [fromMs, toMs). */
interface Speech {
  id: string;
  fromMs: number;
  toMs: number;
  level?: number;
}

/** Feeds the detector 100 ms intervals from 0 to `endMs` and records when the dominant speaker changed. */
function play(speech: Speech[], endMs: number, detector = new ActiveSpeakerDetector<string>()): { changes: { atMs: number; to: string | null }[]; detector: ActiveSpeakerDetector<string> } {
  const changes: { atMs: number; to: string | null }[] = [];
  for (let t = STEP_MS; t <= endMs; t += STEP_MS) {
    // The interval ending at t: voiced if speech covers it.
    const samples: SpeakerLevel<string>[] = [];
    for (const s of speech) {
      if (t > s.fromMs && t - STEP_MS < s.toMs) samples.push({ id: s.id, voiced: 1, level: s.level ?? 0.5 });
    }
    if (detector.observe(samples, t)) changes.push({ atMs: t, to: detector.dominantSpeaker });
  }
  return { changes, detector };
}

test('one person speaking takes the free floor within half a second', () => {
  const { changes } = play([{ id: 'a', fromMs: 1000, toMs: 5000 }], 6000);
  assert.equal(changes.length, 1);
  assert.equal(changes[0]!.to, 'a');
  assert.ok(changes[0]!.atMs - 1000 <= 600, `took ${changes[0]!.atMs - 1000} ms`);
});

test('silence: nobody is dominant and the speaker list is empty', () => {
  const { changes, detector } = play([], 3000);
  assert.deepEqual(changes, []);
  assert.deepEqual(detector.current(), { speakers: [], dominant: null });
});

test('a 200 ms cough does not take a free floor', () => {
  const { changes } = play([{ id: 'a', fromMs: 1000, toMs: 1200, level: 0.9 }], 4000);
  assert.deepEqual(changes, []);
});

test('a 200 ms cough during silence does not take the floor from the last speaker', () => {
  const { changes, detector } = play(
    [
      { id: 'a', fromMs: 0, toMs: 3000 },
      { id: 'b', fromMs: 5000, toMs: 5200, level: 0.9 },
    ],
    8000,
  );
  assert.deepEqual(changes.map((c) => c.to), ['a']);
  assert.equal(detector.dominantSpeaker, 'a');
});

test('a loud cough over the holder speaking does not take the floor', () => {
  const { changes } = play(
    [
      { id: 'a', fromMs: 0, toMs: 6000, level: 0.4 },
      { id: 'b', fromMs: 3000, toMs: 3200, level: 1 },
    ],
    6000,
  );
  assert.deepEqual(changes.map((c) => c.to), ['a']);
});

test('handover: a second of speech after the holder stopped moves the floor within a second', () => {
  const { changes } = play(
    [
      { id: 'a', fromMs: 0, toMs: 3000 },
      { id: 'b', fromMs: 4000, toMs: 7000 },
    ],
    8000,
  );
  assert.deepEqual(changes.map((c) => c.to), ['a', 'b']);
  const took = changes[1]!.atMs - 4000;
  assert.ok(took >= 500 && took <= 1000, `handover took ${took} ms`);
});

test('handover while both speak: the louder challenger must lead for most of a second', () => {
  const { changes } = play(
    [
      { id: 'a', fromMs: 0, toMs: 10_000, level: 0.2 },
      { id: 'b', fromMs: 3000, toMs: 10_000, level: 0.7 },
    ],
    10_000,
  );
  assert.deepEqual(changes.map((c) => c.to), ['a', 'b']);
  const took = changes[1]!.atMs - 3000;
  assert.ok(took >= 700 && took <= 1500, `handover took ${took} ms`);
});

test('a quieter challenger does not take the floor from a speaking holder', () => {
  const { changes } = play(
    [
      { id: 'a', fromMs: 0, toMs: 8000, level: 0.7 },
      { id: 'b', fromMs: 2000, toMs: 8000, level: 0.2 },
    ],
    8000,
  );
  assert.deepEqual(changes.map((c) => c.to), ['a']);
});

test('speakers are listed loudest first, with smoothed levels in 0..1, and fall off after silence', () => {
  const { detector } = play(
    [
      { id: 'quiet', fromMs: 0, toMs: 2000, level: 0.2 },
      { id: 'loud', fromMs: 0, toMs: 2000, level: 0.8 },
    ],
    2000,
  );
  const now = detector.current();
  assert.deepEqual(now.speakers.map((s) => s.id), ['loud', 'quiet']);
  for (const s of now.speakers) assert.ok(s.level > 0 && s.level <= 1);
  assert.ok(Math.abs(now.speakers[0]!.level - 0.8) < 0.05);
  for (let t = 2100; t <= 4000; t += STEP_MS) detector.observe([], t);
  assert.deepEqual(detector.current().speakers, []);
});

test('intervals with little voice (V bit off or below the floor) are not speech', () => {
  const detector = new ActiveSpeakerDetector<string>();
  for (let t = 100; t <= 3000; t += STEP_MS) detector.observe([{ id: 'a', voiced: 0.2, level: 0.9 }], t);
  assert.equal(detector.dominantSpeaker, null);
});

test('the holder leaving frees the floor', () => {
  const { detector } = play([{ id: 'a', fromMs: 0, toMs: 2000 }], 2000);
  assert.equal(detector.dominantSpeaker, 'a');
  assert.equal(detector.remove('a'), true);
  assert.equal(detector.dominantSpeaker, null);
  assert.equal(detector.remove('b'), false);
});

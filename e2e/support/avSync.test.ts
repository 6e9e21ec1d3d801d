import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { beepOnsets, flashOnsets, median, pairClaps } from './avSync';
import { clapperMedia } from './impair/mediaFiles';

const run = promisify(execFile);

test('the clapper is found in encoded files: flashes every loop, beeps every loop, an audio delay measured as such', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'confab-avsync-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const { video, audio } = await clapperMedia();
  const webm = join(dir, 'video.webm');
  const opus = join(dir, 'audio.webm');
  // Four loops; the sound 80 ms late, as a badly aligned recording would have it.
  await run('ffmpeg', ['-v', 'error', '-stream_loop', '3', '-i', video, '-c:v', 'libvpx', '-b:v', '300k', '-y', webm]);
  await run('ffmpeg', ['-v', 'error', '-stream_loop', '3', '-i', audio, '-af', 'adelay=80', '-c:a', 'libopus', '-y', opus]);
  const flashes = await flashOnsets(webm);
  const beeps = await beepOnsets(opus);
  assert.deepEqual(flashes, [1, 3, 5, 7]);
  assert.equal(beeps.length, 4);
  const { offsetsMs, unpaired } = pairClaps(flashes.map((s) => s * 1000), beeps.map((s) => s * 1000));
  assert.equal(unpaired, 0);
  // libopus's own look-ahead adds a few ms (a WAV measures exactly 80).
  assert.ok(Math.abs(median(offsetsMs) - 80) <= 10, `measured ${offsetsMs.join(', ')} ms`);
  // Placed 80 ms earlier on the common clock (a manifest's startMs), the audio lines up.
  assert.ok(Math.abs(median(pairClaps(flashes.map((s) => s * 1000), beeps.map((s) => s * 1000 - 80)).offsetsMs)) <= 10);
});

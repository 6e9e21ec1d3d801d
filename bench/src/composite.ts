/**
 * The composite's cost: a 4-person meeting (four ~500 kbit/s VP8 640x360 30 fps cameras,
 * ffmpeg's testsrc2, and four Opus microphones) made into the 1280x720 H264 + AAC MP4, as the
 * server does after a recording (makeComposite: ffprobe for camera pauses, then one ffmpeg run with
 * one thread per stage, at a lower priority). For each x264 preset: wall time, CPU seconds of
 * ffmpeg and ffprobe (their rusage, reaped by this process) per minute of meeting, the realtime
 * factor (CPU seconds per second of meeting: below 1 means cheaper than real time on one core),
 * and the output's bit rate.
 *
 *   npm run bench:composite -- [--seconds 60] [--presets ultrafast,superfast,veryfast,faster] [--rounds 1] [--json]
 *
 * The meeting's files are made first (not timed) in a temporary folder. Run on a quiet machine.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { integerOption } from './integerOption';
import { DEFAULT_ENCODING } from '../../packages/server/src/recording/composite/compositeCommand';
import { childrenCpuSeconds, makeComposite } from '../../packages/server/src/recording/composite/makeComposite';
import { writeSyntheticMeeting, type SyntheticTrack } from '../../packages/server/src/recording/composite/testing/syntheticMeeting';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '60' },
    presets: { type: 'string', default: 'ultrafast,superfast,veryfast,faster' },
    rounds: { type: 'string', default: '1' },
    json: { type: 'boolean', default: false },
  },
});
const SECONDS = integerOption(values, 'seconds', 1, 3600);
const PRESETS = values.presets.split(',');
const ROUNDS = integerOption(values, 'rounds', 1, 20);
const people = ['Ada', 'Ben', 'Cy', 'Di'];

const dir = await mkdtemp(join(tmpdir(), 'confab-bench-composite-'));
try {
  const tracks: SyntheticTrack[] = people.flatMap((participant, n) => [
    { participant, source: 'camera' as const, startMs: n * 100, durationMs: SECONDS * 1000 - n * 100, lavfi: `testsrc2=size=640x360:rate=30,hue=h=${n * 90}`, videoBitrate: '500k' },
    { participant, source: 'microphone' as const, startMs: n * 100, durationMs: SECONDS * 1000 - n * 100, lavfi: `0.1*sin(2*PI*${220 * (n + 1)}*t)` },
  ]);
  await writeSyntheticMeeting(dir, { durationMs: SECONDS * 1000, people: people.map((name) => ({ name, joinedMs: 0, leftMs: null })), tracks });

  const results = [];
  for (let round = 0; round < ROUNDS; round++) {
    for (const preset of PRESETS) {
      const cpuBefore = childrenCpuSeconds() ?? Number.NaN;
      const started = performance.now();
      const made = await makeComposite(dir, { tools: { ffmpeg: 'ffmpeg', ffprobe: 'ffprobe' }, encoding: { ...DEFAULT_ENCODING, preset } });
      const wallSeconds = (performance.now() - started) / 1000;
      const cpuSeconds = (childrenCpuSeconds() ?? Number.NaN) - cpuBefore;
      const perMinute = (x: number) => (x * 60) / SECONDS;
      const result = {
        preset,
        meetingSeconds: SECONDS,
        wallSecondsPerMinute: Math.round(perMinute(wallSeconds) * 10) / 10,
        cpuSecondsPerMinute: Math.round(perMinute(cpuSeconds) * 10) / 10,
        realtimeFactor: Math.round((cpuSeconds / SECONDS) * 100) / 100,
        outputKbps: Math.round((made.bytes * 8) / SECONDS / 1000),
      };
      results.push(result);
      if (!values.json) {
        console.log(`${preset.padEnd(10)} wall ${result.wallSecondsPerMinute} s/min  CPU ${result.cpuSecondsPerMinute} s/min  realtime factor ${result.realtimeFactor}  output ${result.outputKbps} kbit/s`);
      }
    }
  }
  if (values.json) console.log(JSON.stringify(results, null, 2));
} finally {
  await rm(dir, { recursive: true, force: true });
}

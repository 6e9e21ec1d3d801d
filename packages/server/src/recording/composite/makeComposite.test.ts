/**
 * The composite against real ffmpeg: a synthetic meeting (cameras of one colour each, a late
 * joiner whose camera pauses, a screen share for a while, someone without a camera, a clapper in
 * one person's camera and microphone) made into an MP4, then read back frame by frame and sample
 * by sample.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { decodeErrors } from '../../media/recording/testing/probe';
import { writeManifest } from '../manifest';
import { readCompositeStatus } from './compositeStatus';
import { CompositeQueue } from './CompositeQueue';
import { makeComposite, type CompositeOutcome } from './makeComposite';
import { writeSyntheticMeeting, type SyntheticMeeting } from './testing/syntheticMeeting';

const run = promisify(execFile);
const tools = { ffmpeg: 'ffmpeg', ffprobe: 'ffprobe' };
const W = 1280;
const H = 720;
const FPS = 30;

/** The clapper: Alice's camera flashes white and her microphone beeps at this instant of the meeting. */
const CLAP_MS = 10_000;
const ALICE_CAMERA_START = 500;
const ALICE_MIC_START = 520;

const meeting: SyntheticMeeting = {
  durationMs: 12_000,
  people: [
    { name: 'Alice', joinedMs: 0, leftMs: null },
    { name: 'Carol', joinedMs: 0, leftMs: null },
    { name: 'Dave', joinedMs: 0, leftMs: null },
    { name: 'Bob', joinedMs: 3000, leftMs: null },
  ],
  tracks: [
    // File times: the flash and the beep sit where each file's own start puts them at CLAP_MS.
    { participant: 'Alice', source: 'camera', startMs: ALICE_CAMERA_START, durationMs: 11_500, lavfi: `color=c=red:s=640x360:r=30,drawbox=c=white:t=fill:enable='between(t,${(CLAP_MS - ALICE_CAMERA_START) / 1000},${(CLAP_MS - ALICE_CAMERA_START + 60) / 1000})'` },
    { participant: 'Alice', source: 'microphone', startMs: ALICE_MIC_START, durationMs: 11_480, lavfi: `0.05*sin(2*PI*300*t)+0.8*between(t,${(CLAP_MS - ALICE_MIC_START) / 1000},${(CLAP_MS - ALICE_MIC_START + 150) / 1000})*sin(2*PI*1000*t)` },
    { participant: 'Carol', source: 'camera', startMs: 0, durationMs: 12_000, lavfi: 'color=c=blue:s=640x360:r=30' },
    { participant: 'Carol', source: 'screen', startMs: 4000, durationMs: 4000, lavfi: 'color=c=magenta:s=1280x720:r=5' },
    { participant: 'Dave', source: 'microphone', startMs: 0, durationMs: 12_000, lavfi: '0.05*sin(2*PI*500*t)' },
    // Bob joins at 3 s; his camera and microphone are muted from 7 s to 9 s of the meeting (3.8-5.8 s of their files).
    { participant: 'Bob', source: 'camera', startMs: 3200, durationMs: 8800, lavfi: 'color=c=0x00ff00:s=640x360:r=30', filter: "select='not(between(t,3.8,5.8))'" },
    { participant: 'Bob', source: 'microphone', startMs: 3200, durationMs: 8800, lavfi: '0.05*sin(2*PI*700*t)', filter: "aselect='not(between(t,3.8,5.8))'" },
  ],
};

let dir: string;
let outcome: CompositeOutcome;
let progress: number[];

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'confab-composite-'));
  await writeSyntheticMeeting(dir, meeting);
  progress = [];
  outcome = await makeComposite(dir, { tools, onProgress: (f) => progress.push(f) });
});

after(async () => {
  await rm(dir, { recursive: true, force: true });
});

test('the composite is one clean H264 + AAC MP4 as long as the meeting, and nothing else is left behind', async () => {
  const { stdout } = await run('ffprobe', ['-v', 'error', '-print_format', 'json', '-show_format', '-show_streams', outcome.file]);
  const info = JSON.parse(stdout) as { format: { duration: string; format_name: string }; streams: Array<{ codec_name: string; width?: number; height?: number; avg_frame_rate: string }> };
  assert.deepEqual(info.streams.map((s) => s.codec_name), ['h264', 'aac']);
  assert.deepEqual([info.streams[0]!.width, info.streams[0]!.height, info.streams[0]!.avg_frame_rate], [W, H, `${FPS}/1`]);
  assert.ok(Math.abs(Number(info.format.duration) * 1000 - meeting.durationMs) < 500, `duration ${info.format.duration} s`);
  assert.equal(await decodeErrors(outcome.file), '');
  assert.equal(outcome.durationMs, meeting.durationMs);
  assert.ok(progress.length >= 2 && progress.at(-1) === 1 && progress.every((p, i) => i === 0 || p >= progress[i - 1]!), `progress ${progress.join(' ')}`);
  const names = await readdir(dir);
  assert.ok(names.includes('composite.mp4'));
  assert.deepEqual(names.filter((n) => n.startsWith('.composite')), [], 'no partial file or name files left');
});

test('faststart: the index (moov) comes before the media (mdat)', async () => {
  const trace = await run('sh', ['-c', `ffprobe -v trace -i '${outcome.file}' 2>&1 | grep -o "type:'\\(moov\\|mdat\\)'" | head -2`]);
  assert.deepEqual(trace.stdout.trim().split('\n'), ["type:'moov'", "type:'mdat'"]);
});

test('the layout follows who is there: grid, late joiner, the screen share large, a paused camera as a name tile', async () => {
  // Below each tile's centre, clear of the name written there.
  const quarter = { tl: [320, 260], tr: [960, 260], bl: [320, 620], br: [960, 620] } as const;
  const red = [255, 0, 0];
  const blue = [0, 0, 255];
  const green = [0, 255, 0];
  const magenta = [255, 0, 255];
  const tile = [0x3c, 0x40, 0x43];
  // 1.5 s: Alice, Carol, Dave (Bob not there yet): two on top, Dave's name tile centred below.
  await expectColours(1500, [[quarter.tl, red], [quarter.tr, blue], [[640, 620], tile], [[100, 620], [0x20, 0x21, 0x24]]]);
  // 0.3 s: Alice's camera starts at 0.5 s; until then her tile is plain.
  await expectColours(300, [[quarter.tl, tile], [quarter.tr, blue]]);
  // 3.5 s: Bob joined (camera from 3.2 s): a 2x2 grid.
  await expectColours(3500, [[quarter.tl, red], [quarter.tr, blue], [quarter.bl, tile], [quarter.br, green]]);
  // 5 s: Carol shares her screen: large on top, the four in a strip below in order of arrival.
  await expectColours(5000, [[[640, 288], magenta], [[262, 700], red], [[514, 700], blue], [[766, 700], tile], [[1018, 700], green]]);
  // 8.5 s: the share ended; Bob's camera is paused (7-9 s): his name tile, not a frozen picture.
  await expectColours(8500, [[quarter.tl, red], [quarter.tr, blue], [quarter.bl, tile], [quarter.br, tile]]);
  // 10.5 s: Bob's camera is back.
  await expectColours(10_500, [[quarter.br, green]]);
});

test('the clapper: the flash and the beep stay together in the composite (A/V offset < 40 ms)', async () => {
  // Luma of Alice's tile at every frame; the flash is the first bright one.
  const { stdout: luma } = await run('ffmpeg', ['-v', 'error', '-i', outcome.file, '-vf', 'crop=320:180:160:90,scale=8:8', '-f', 'rawvideo', '-pix_fmt', 'gray', '-'], { encoding: 'buffer', maxBuffer: 64 * 1024 * 1024 });
  const frameBytes = 64;
  const flashFrame = Array.from({ length: luma.length / frameBytes }, (_, i) => mean(luma.subarray(i * frameBytes, (i + 1) * frameBytes))).findIndex((y) => y > 200);
  assert.ok(flashFrame > 0, 'a white frame is in the composite');
  const flashMs = (flashFrame * 1000) / FPS;
  // The beep: the first sample far louder than the three quiet tones together.
  const samples = await audio(outcome.file);
  const beepSample = samples.findIndex((s) => Math.abs(s) > 0.4);
  const beepMs = (beepSample * 1000) / 48_000;
  const offset = flashMs - beepMs;
  console.log(`clapper: flash at ${flashMs.toFixed(1)} ms, beep at ${beepMs.toFixed(1)} ms, A/V offset ${offset.toFixed(1)} ms`);
  assert.ok(Math.abs(flashMs - CLAP_MS) < 40, `flash at ${flashMs} ms`);
  assert.ok(Math.abs(beepMs - CLAP_MS) < 40, `beep at ${beepMs} ms`);
  assert.ok(Math.abs(offset) < 40, `A/V offset ${offset} ms`);
});

test("a muted microphone is silence in its place: Bob's tone is missing from 7 s to 9 s and back after", async () => {
  const samples = await audio(outcome.file);
  const rms = (fromMs: number, toMs: number) => Math.sqrt(mean(samples.subarray((fromMs * 48) | 0, (toMs * 48) | 0).map((s) => s * s)));
  // Three tones of equal level (Alice, Dave, Bob) against two: sqrt(3/2) apart.
  const withBob = rms(10_500, 11_800); // after the clapper's beep
  const withoutBob = rms(7200, 8800);
  assert.ok(withoutBob < withBob * 0.9, `rms ${withoutBob.toFixed(4)} while muted, ${withBob.toFixed(4)} after`);
  assert.ok(Math.abs(rms(3500, 5500) - withBob) < withBob * 0.05, 'before the mute as after it');
});

test('a camera whose frame size changes mid-file (a simulcast layer switch) keeps filling its tile', async () => {
  const switched = await mkdtemp(join(tmpdir(), 'confab-composite-layers-'));
  try {
    // 640x360 then 320x180 in one file, as the recorder writes a switch to a lower layer.
    const manifest = await writeSyntheticMeeting(switched, {
      durationMs: 4000,
      people: [{ name: 'Ann', joinedMs: 0, leftMs: null }],
      tracks: [
        { participant: 'Ann', source: 'camera', startMs: 0, durationMs: 2000, lavfi: 'color=c=red:s=640x360:r=30' },
        { participant: 'Ann', source: 'camera', startMs: 2000, durationMs: 2000, lavfi: 'color=c=red:s=320x180:r=30' },
      ],
    });
    const [high, low] = manifest.tracks.map((t) => t.file);
    await writeFile(join(switched, 'layers.txt'), `file ${high}\nfile ${low}\n`);
    await run('ffmpeg', ['-v', 'error', '-f', 'concat', '-i', join(switched, 'layers.txt'), '-c', 'copy', '-y', join(switched, 'PA_p0-camera-both.webm')]);
    await writeManifest(switched, { ...manifest, tracks: [{ ...manifest.tracks[0]!, file: 'PA_p0-camera-both.webm', endMs: 4000 }] });
    const made = await makeComposite(switched, { tools });
    assert.equal(await decodeErrors(made.file), '');
    for (const ms of [1000, 3000]) {
      const rgb = await frameAt(made.file, ms);
      // One person: one 16:9 picture letterboxed in the whole frame, red at its centre and near its edges.
      for (const [x, y] of [[640, 360], [100, 360], [1180, 360]] as const) assert.deepEqual(colourAt(rgb, x, y).map((c) => Math.round(c / 64)), [4, 0, 0], `at ${ms} ms (${x}, ${y})`);
    }
  } finally {
    await rm(switched, { recursive: true, force: true });
  }
});

test('a corrupt track fails the composite with a reason that names it, and leaves no file behind', async () => {
  const broken = await mkdtemp(join(tmpdir(), 'confab-composite-broken-'));
  try {
    const manifest = await writeSyntheticMeeting(broken, { durationMs: 2000, people: [{ name: 'Eve', joinedMs: 0, leftMs: null }], tracks: [{ participant: 'Eve', source: 'microphone', startMs: 0, durationMs: 2000, lavfi: '0.1*sin(2*PI*440*t)' }] });
    await writeFile(join(broken, manifest.tracks[0]!.file), Buffer.alloc(5000, 0x42));
    const queue = new CompositeQueue('node-test', { tools }, { info: () => undefined, warn: () => undefined });
    await assert.rejects(queue.add(broken), (err: Error) => /ffmpeg exited with code \d+: .*Invalid data/.test(err.message) && err.message.includes(manifest.tracks[0]!.file));
    const status = await waitForStatus(broken, 'failed');
    assert.match(status.error ?? '', /Invalid data/);
    assert.deepEqual((await readdir(broken)).filter((n) => n.includes('composite') && n !== 'composite.json'), []);
  } finally {
    await rm(broken, { recursive: true, force: true });
  }
});

test('ffmpeg missing fails the composite with that reason', async () => {
  const missing = { ffmpeg: '/nonexistent/ffmpeg', ffprobe: 'ffprobe' };
  await assert.rejects(makeComposite(dir, { tools: missing }), /\/nonexistent\/ffmpeg not found/);
});

test('the queue runs one job at a time and keeps composite.json up to date', async () => {
  const queue = new CompositeQueue('node-test', { tools }, { info: () => undefined, warn: () => undefined });
  const first = queue.add(dir);
  const second = queue.add(dir + '-none');
  assert.equal(queue.status(dir + '-none')?.state, 'queued');
  while (queue.status(dir)?.state !== 'running') await new Promise((r) => setTimeout(r, 5));
  assert.equal(queue.status(dir + '-none')?.state, 'queued', 'the second waits for the first');
  await first;
  const done = await waitForStatus(dir, 'done');
  assert.deepEqual([done.progress, done.file, done.durationMs], [1, 'composite.mp4', meeting.durationMs]);
  assert.ok(done.bytes! > 0 && done.cpuSeconds! > 0);
  await assert.rejects(second, /cannot read the manifest/);
});

async function waitForStatus(at: string, state: string) {
  for (let i = 0; i < 100; i++) {
    const status = await readCompositeStatus(at);
    if (status?.state === state) return status;
    await new Promise((r) => setTimeout(r, 20));
  }
  assert.fail(`composite.json in ${at} never said ${state}`);
}

/** The frame at `ms` as RGB. */
async function frameAt(file: string, ms: number): Promise<Buffer> {
  const frame = Math.round((ms * FPS) / 1000);
  const { stdout } = await run('ffmpeg', ['-v', 'error', '-i', file, '-vf', `select=eq(n\\,${frame})`, '-frames:v', '1', '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-'], { encoding: 'buffer', maxBuffer: 16 * 1024 * 1024 });
  assert.equal(stdout.length, W * H * 3);
  return stdout;
}

/** The mean colour of the 16x16 pixels around (x, y). */
function colourAt(rgb: Buffer, x: number, y: number): number[] {
  return [0, 1, 2].map((c) => {
    let sum = 0;
    for (let dy = -8; dy < 8; dy++) for (let dx = -8; dx < 8; dx++) sum += rgb[((y + dy) * W + x + dx) * 3 + c]!;
    return Math.round(sum / 256);
  });
}

/** The colour around each point of the frame at `ms` is the expected one, within a tolerance for YUV 4:2:0. */
async function expectColours(ms: number, expected: Array<readonly [readonly number[], readonly number[]]>): Promise<void> {
  const rgb = await frameAt(outcome.file, ms);
  for (const [[x, y], colour] of expected) {
    const seen = colourAt(rgb, x!, y!);
    assert.ok(seen.every((v, c) => Math.abs(v - colour[c]!) <= 40), `at ${ms} ms, (${x}, ${y}) is rgb(${seen.join(', ')}), expected rgb(${colour.join(', ')})`);
  }
}

async function audio(file: string): Promise<Float32Array> {
  const { stdout } = await run('ffmpeg', ['-v', 'error', '-i', file, '-ac', '1', '-ar', '48000', '-f', 'f32le', '-'], { encoding: 'buffer', maxBuffer: 64 * 1024 * 1024 });
  return new Float32Array(stdout.buffer, stdout.byteOffset, stdout.length / 4);
}

function mean(values: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i]!;
  return values.length === 0 ? 0 : sum / values.length;
}

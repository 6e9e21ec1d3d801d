import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { ParticipantId, RecordingId, RoomName, TrackId } from '@confab/protocol';
import { newSenderInfo } from '@confab/wire';
import { SenderClock } from '../src/media/recording/TrackClock';
import { TrackRecorder } from '../src/media/recording/TrackRecorder';
import type { RecordedCodec } from '../src/media/types';
import { h264Frames, opusFrames, vp8Frames, type EncodedFrame } from '../src/media/recording/testing/encodedMedia';
import { arrivals, feed, LOSSY_LINK, type Arrival, type LinkOptions } from '../src/media/recording/testing/network';
import { decodeErrors, probe } from '../src/media/recording/testing/probe';
import { packetizeH264, packetizeOpus, packetizeVp8, type Packetized, type RtpStream } from '../src/media/recording/testing/rtpPacketize';
import { readManifest } from '../src/recording/manifest';
import { RecordingManifestLog } from '../src/recording/RecordingManifestLog';

// The recorder core against real encoded media: VP8, H264 and Opus made with ffmpeg, packetized
// as browsers do, sent over a simulated lossy link, written to files that ffprobe and ffmpeg check.

const SECONDS = 10;
const CLEAN_LINK: LinkOptions = { ...LOSSY_LINK, loss: 0 };

let dir = '';
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'confab-recording-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

interface Source {
  codec: RecordedCodec;
  clockRate: number;
  frames: EncodedFrame[];
  frameMs: number;
  packetize(frames: readonly EncodedFrame[], s: RtpStream): Packetized[];
}

/**
 * `gop`: frames from one key frame to the next. A real publisher answers a key frame request
 * within a round trip; these files cannot, so the lossy tests use key frames every half second
 * (the request spacing) in their place.
 */
function source(codec: RecordedCodec, seconds: number, gop = 60): Source {
  if (codec === 'vp8') return { codec, clockRate: 90000, frames: vp8Frames(seconds, gop), frameMs: 1000 / 30, packetize: packetizeVp8 };
  if (codec === 'h264') return { codec, clockRate: 90000, frames: h264Frames(seconds, gop), frameMs: 1000 / 30, packetize: packetizeH264 };
  return { codec, clockRate: 48000, frames: opusFrames(seconds), frameMs: 20, packetize: packetizeOpus };
}

function stream(payloadType: number, ssrc: number): RtpStream {
  // Near the wrap-around of both counters, so unwrapping is exercised.
  return { ssrc, payloadType, seqBase: 0xffff - 40, timestampBase: 0xffffffff - 30_000 };
}

/** A recorder whose key frame requests are logged at the simulated time. */
async function recorder(name: string, codec: RecordedCodec, clockRate: number, sender = new SenderClock()) {
  const requests: number[] = [];
  let now = 0;
  const errors: Error[] = [];
  const r = await TrackRecorder.create({
    pathWithoutExtension: join(dir, name),
    codec,
    clockRate,
    sender,
    requestKeyFrame: () => requests.push(now),
    onError: (err) => errors.push(err),
  });
  return { recorder: r, requests, errors, setNow: (ms: number) => (now = ms) };
}

function reorderedCount(list: readonly Arrival[]): number {
  let n = 0;
  for (let i = 1; i < list.length; i++) if (((list[i]!.packet.readUInt16BE(2) - list[i - 1]!.packet.readUInt16BE(2)) & 0xffff) > 0x8000) n++;
  return n;
}

describe('one track to one file', () => {
  for (const codec of ['vp8', 'h264', 'opus'] as const) {
    test(`${codec}: ${SECONDS} s with reordering and 2% loss play end to end, the duration within 0.5 s`, async () => {
      const src = source(codec, SECONDS, 15);
      const packets = src.packetize(src.frames, stream(codec === 'opus' ? 111 : 96, 0x1234));
      const { arrivals: list, lost } = arrivals(packets, (i) => i * src.frameMs, LOSSY_LINK);
      assert.ok(lost > 0 && reorderedCount(list) > 0, `the link loses (${lost}) and reorders (${reorderedCount(list)})`);
      const r = await recorder(`lossy-${codec}`, codec, src.clockRate);
      await feed([{ recorder: r.recorder, arrivals: list }], Date.now(), r.setNow);
      const result = await r.recorder.stop();
      assert.deepEqual(r.errors, []);
      assert.equal(result.error, null);

      const p = await probe(result.file);
      assert.equal(p.formatName, 'matroska,webm');
      assert.equal(p.codec, codec);
      if (codec !== 'opus') assert.deepEqual([p.width, p.height], [640, 360]);
      assert.equal(await decodeErrors(result.file), '');
      const fedSeconds = (src.frames.length * src.frameMs) / 1000;
      assert.ok(Math.abs(p.durationSeconds - fedSeconds) < 0.5, `duration ${p.durationSeconds} s, fed ${fedSeconds} s`);
      assert.ok(result.frames > src.frames.length * 0.5, `${result.frames} of ${src.frames.length} frames written`);
      for (let i = 1; i < r.requests.length; i++) assert.ok(r.requests[i]! - r.requests[i - 1]! >= 500, `key frame requests at ${r.requests.join(', ')}`);
    });
  }

  test('vp8: with nothing resent, frames wait for the next key frame, asked for every 500 ms at most, and still decode cleanly', async () => {
    const src = source('vp8', SECONDS, 15);
    const { arrivals: list, lost } = arrivals(src.packetize(src.frames, stream(96, 0x77)), (i) => i * src.frameMs, { ...LOSSY_LINK, recovered: 0 });
    const r = await recorder('unrecovered-vp8', 'vp8', 90000);
    await feed([{ recorder: r.recorder, arrivals: list }], Date.now(), r.setNow);
    const result = await r.recorder.stop();
    assert.equal(result.packetsLost, lost);
    assert.ok(result.framesDropped > 0 && r.requests.length > 0, `dropped ${result.framesDropped}, requests ${r.requests.length}`);
    for (let i = 1; i < r.requests.length; i++) assert.ok(r.requests[i]! - r.requests[i - 1]! >= 500, `key frame requests at ${r.requests.join(', ')}`);
    assert.equal(result.frames + result.framesDropped <= src.frames.length, true);
    assert.equal(await decodeErrors(result.file), '');
  });

  test('vp8: a clean link loses no frame and asks for no key frame', async () => {
    const src = source('vp8', 4);
    const { arrivals: list } = arrivals(src.packetize(src.frames, stream(96, 0x99)), (i) => i * src.frameMs, CLEAN_LINK);
    const r = await recorder('clean-vp8', 'vp8', 90000);
    await feed([{ recorder: r.recorder, arrivals: list }], Date.now(), r.setNow);
    const result = await r.recorder.stop();
    assert.equal(result.frames, src.frames.length);
    assert.equal(result.framesDropped, 0);
    assert.deepEqual(r.requests, []);
    const p = await probe(result.file);
    // Every frame at its capture time (ms timestamps).
    p.packetTimes.forEach((t, i) => assert.ok(Math.abs(t * 1000 - i * src.frameMs) <= 1, `frame ${i} at ${t} s`));
  });
});

describe('a recording of several tracks', () => {
  test('a late camera and a muted microphone: manifest offsets within 100 ms, the mute a gap in the file', async () => {
    const startedAtMs = Date.now();
    const log = new RecordingManifestLog(dir, 'RC_late' as RecordingId, 'standup' as RoomName, startedAtMs, (err) => assert.fail(String(err)));
    const alice = 'PA_alice' as ParticipantId;
    log.participantJoined(alice, 'Alice', startedAtMs);
    const sender = new SenderClock();
    const mic = await recorder('late-mic', 'opus', 48000, sender);
    const cam = await recorder('late-cam', 'vp8', 90000, sender);
    log.trackStarted({ trackId: 'TR_mic' as TrackId, participantId: alice, participantName: 'Alice', kind: 'audio', source: 'microphone', codec: 'opus', file: 'late-mic.webm' });
    log.trackStarted({ trackId: 'TR_cam' as TrackId, participantId: alice, participantName: 'Alice', kind: 'video', source: 'camera', codec: 'vp8', file: 'late-cam.webm' });

    // Microphone from 0 to 10 s, muted (nothing sent, the capture clock running) from 4 to 6 s.
    const audio = source('opus', 10);
    const audible = audio.packetize(audio.frames, stream(111, 0x10)).filter((p) => p.frame * 20 < 4000 || p.frame * 20 >= 6000);
    // Camera turned on 3 s into the recording.
    const CAMERA_AT_MS = 3000;
    const video = source('vp8', 6);
    const audioArrivals = arrivals(audible, (i) => i * 20, CLEAN_LINK).arrivals;
    const videoArrivals = arrivals(video.packetize(video.frames, stream(96, 0x20)), (i) => CAMERA_AT_MS + i * video.frameMs, CLEAN_LINK).arrivals;
    await feed(
      [
        { recorder: mic.recorder, arrivals: audioArrivals },
        { recorder: cam.recorder, arrivals: videoArrivals },
      ],
      startedAtMs,
    );
    log.trackStopped('TR_mic' as TrackId, await mic.recorder.stop());
    log.trackStopped('TR_cam' as TrackId, await cam.recorder.stop());
    await log.finish('stopped', startedAtMs + 10_000);

    const manifest = await readManifest(dir);
    const mTrack = manifest.tracks.find((t) => t.source === 'microphone')!;
    const cTrack = manifest.tracks.find((t) => t.source === 'camera')!;
    assert.ok(Math.abs(mTrack.startMs! - 0) < 100, `microphone starts at ${mTrack.startMs} ms`);
    assert.ok(Math.abs(cTrack.startMs! - CAMERA_AT_MS) < 100, `camera starts at ${cTrack.startMs} ms`);
    assert.ok(Math.abs(cTrack.endMs! - (CAMERA_AT_MS + 6000)) < 500, `camera ends at ${cTrack.endMs} ms`);
    assert.ok(Math.abs(mTrack.endMs! - 10_000) < 500, `microphone ends at ${mTrack.endMs} ms`);
    assert.equal(manifest.state, 'stopped');
    assert.deepEqual(manifest.participants, [{ participantId: alice, name: 'Alice', joinedMs: 0, leftMs: 10_000 }]);

    // The mute is a gap from 4 to 6 s in the microphone's file, and what follows is in its place.
    const times = (await probe(join(dir, 'late-mic.webm'))).packetTimes;
    let gapAt = 0;
    for (let i = 1; i < times.length; i++) if (times[i]! - times[i - 1]! > times[gapAt + 1]! - times[gapAt]!) gapAt = i - 1;
    assert.ok(Math.abs(times[gapAt + 1]! - 6) < 0.03, `audio resumes at ${times[gapAt + 1]} s in the file`);
    assert.ok(Math.abs(times[gapAt]! - 3.98) < 0.03, `audio pauses at ${times[gapAt]} s in the file`);
    assert.equal(await decodeErrors(join(dir, 'late-mic.webm')), '');
  });

  test("Sender Reports line a publisher's tracks up as captured, whatever delay each had on the way", async () => {
    // The camera's first frame comes 70 ms later than the microphone's (its key frame is paced
    // out slowly); both were captured at the same instant on a sender whose clock is far off ours.
    const epochMs = Date.now();
    const SENDER_CLOCK_AHEAD_MS = 123_456_789;
    const VIDEO_EXTRA_MS = 70;
    const withReports = async (reports: boolean): Promise<number> => {
      const sender = new SenderClock();
      const mic = await recorder(`sr-mic-${reports}`, 'opus', 48000, sender);
      const cam = await recorder(`sr-cam-${reports}`, 'vp8', 90000, sender);
      const audio = source('opus', 3);
      const video = source('vp8', 3);
      const a = stream(111, 0x31);
      const v = stream(96, 0x32);
      await feed(
        [
          { recorder: mic.recorder, arrivals: arrivals(audio.packetize(audio.frames, a), (i) => i * 20, CLEAN_LINK).arrivals },
          { recorder: cam.recorder, arrivals: arrivals(video.packetize(video.frames, v), (i) => VIDEO_EXTRA_MS + i * video.frameMs, { ...CLEAN_LINK, delayMs: CLEAN_LINK.delayMs }).arrivals },
        ],
        epochMs,
      );
      if (reports) {
        // Each at 1 s of capture, arriving 20 ms later; the video's RTP timeline is 70 ms behind its arrival.
        const ntp = (captureMs: number) => {
          const ms = epochMs + SENDER_CLOCK_AHEAD_MS + captureMs + 2_208_988_800_000;
          return { ntpSeconds: Math.floor(ms / 1000), ntpFraction: Math.round(((ms % 1000) / 1000) * 0x100000000) };
        };
        mic.recorder.onSenderReport({ ...newSenderInfo(), ssrc: a.ssrc, ...ntp(1000), rtpTimestamp: (a.timestampBase + 48_000) >>> 0 }, epochMs + 1020);
        cam.recorder.onSenderReport({ ...newSenderInfo(), ssrc: v.ssrc, ...ntp(1000), rtpTimestamp: (v.timestampBase + 90_000) >>> 0 }, epochMs + 1020 + VIDEO_EXTRA_MS);
      }
      const micStart = (await mic.recorder.stop()).startMs;
      const camStart = (await cam.recorder.stop()).startMs;
      return camStart - micStart;
    };
    const skewWithout = await withReports(false);
    const skewWith = await withReports(true);
    assert.ok(Math.abs(skewWithout - VIDEO_EXTRA_MS) < 10, `by arrival alone the camera starts ${skewWithout} ms late`);
    assert.ok(Math.abs(skewWith) < 20, `with Sender Reports, ${skewWith} ms apart`);
  });
});

describe('crash safety', () => {
  test('a recorder killed with SIGKILL leaves a file that plays to within 2 s of the kill', async () => {
    vp8Frames(12); // make (and cache) the media before the child needs it
    const base = join(dir, 'crashed');
    const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, '../src/media/recording/testing/recordInChild.ts'), base, '12'], { stdio: ['ignore', 'pipe', 'inherit'] });
    let fedMs = 0;
    let buffered = '';
    await new Promise<void>((resolve, reject) => {
      child.on('error', reject);
      child.on('exit', (code) => reject(new Error(`child exited (${code}) before the kill`)));
      child.stdout.on('data', (chunk: Buffer) => {
        buffered += chunk.toString();
        const lines = buffered.split('\n');
        buffered = lines.pop()!;
        for (const line of lines) if (line.startsWith('fed ')) fedMs = Number(line.slice(4));
        if (fedMs >= 5000) {
          child.removeAllListeners('exit');
          resolve();
        }
      });
    });
    const exited = new Promise((resolve) => child.on('exit', resolve));
    child.kill('SIGKILL');
    await exited;
    const file = `${base}.webm`;
    assert.equal(await decodeErrors(file), '');
    const p = await probe(file);
    const lastSeconds = p.packetTimes.at(-1)!;
    assert.ok(lastSeconds * 1000 > fedMs - 2000, `plays to ${lastSeconds} s; ${fedMs} ms were fed before the kill`);
  });
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SenderClock, TrackClock } from './TrackClock';

test('frames are placed by their RTP timestamps from the first, across the 32-bit wrap; the start by arrival', () => {
  const clock = new TrackClock(90000, new SenderClock());
  const t0 = 0xffffffff - 1500;
  assert.equal(clock.frameTime(t0, 1000), 0);
  assert.equal(clock.frameTime((t0 + 3000) >>> 0, 1040), 1000 / 30); // arrival jitter does not move frames
  assert.equal(clock.frameTime((t0 + 90000) >>> 0, 2010), 1000);
  assert.equal(clock.startMs, 1000);
});

test('a mute keeps the capture clock: the frames after it land where their timestamps say', () => {
  const clock = new TrackClock(48000, new SenderClock());
  clock.frameTime(0, 0);
  assert.equal(clock.frameTime(48000 * 5, 5020), 5000);
});

test('frames held up on the way (a sender or server that stood still for 1.5 s) keep their capture times: no gap in the file', () => {
  const clock = new TrackClock(90000, new SenderClock());
  clock.frameTime(0, 0);
  clock.frameTime(3000, 33);
  // Captured at 66 and 100 ms, both delivered after the stall.
  assert.equal(clock.frameTime(6000, 1566), 1000 / 15);
  assert.equal(clock.frameTime(9000, 1567), 100);
  assert.equal(clock.frameTime(90000 * 2, 2000), 2000, 'and on as before');
});

test('a source that starts a new timeline continues where arrival places it, never going back', () => {
  const clock = new TrackClock(90000, new SenderClock());
  clock.frameTime(1000, 0);
  clock.frameTime(1000 + 90000, 1000);
  assert.equal(clock.frameTime(777_777_777, 3000), 3000); // a jump no mute explains
  assert.equal(clock.frameTime(777_777_777 + 9000, 3100), 3100);
  clock.reset(); // a new SSRC whose timestamps happen to look continuous
  assert.equal(clock.frameTime(777_777_777 + 9000 + 3000, 3500), 3500);
});

test("Sender Reports place the start at capture on the publisher's clock; a report that comes late does not move it", () => {
  const sender = new SenderClock();
  const clock = new TrackClock(90000, sender);
  clock.frameTime(0, 10_120); // captured at 10_000 on our clock, arrived 120 ms later (a paced key frame)
  // The sender's clock is 5 s behind ours; its reports travel 20 ms.
  clock.onSenderReport(5000 + 1000, 90000, 11_020);
  assert.equal(Math.round(clock.startMs), 10_020);
  // A report held up 400 ms (a busy machine): the fastest one still says where the sender's clock is.
  clock.onSenderReport(5000 + 2000, 180000, 12_420);
  assert.equal(Math.round(clock.startMs), 10_020);
});

test("reports whose NTP times do not advance with their RTP timestamps are not used, for any of the sender's tracks", () => {
  const sender = new SenderClock();
  const clock = new TrackClock(90000, sender);
  const other = new TrackClock(48000, sender);
  clock.frameTime(0, 10_120);
  other.frameTime(0, 10_030);
  clock.onSenderReport(5000 + 1000, 90000, 11_020);
  other.onSenderReport(5000 + 1000, 48000, 11_020);
  assert.equal(Math.round(other.startMs), 10_020);
  // One second of RTP, 0.4 s of NTP: no capture clock does that (a wrongly written NTP fraction).
  clock.onSenderReport(5000 + 1400, 180000, 11_420);
  assert.deepEqual([clock.startMs, other.startMs], [10_120, 10_030], 'both placed by arrival');
});

test("one odd report among agreeing ones (a starved browser's audio thread stamps late) neither distrusts the sender nor moves the start", () => {
  const sender = new SenderClock();
  const mic = new TrackClock(48000, sender);
  mic.frameTime(0, 10_030); // captured at 10_000 on our clock
  // The sender's clock is 5 s behind ours; its reports travel 20 ms, one a second.
  const report = (second: number, offByMs = 0) => mic.onSenderReport(5000 + second * 1000, second * 48000 - offByMs * 48, 10_020 + second * 1000);
  report(1);
  report(2);
  report(3, 120); // its RTP timestamp 120 ms behind: this pair and the next disagree
  assert.equal(Math.round(mic.startMs), 10_030, 'placed by arrival while the odd pairs are as many as the good ones');
  for (let second = 4; second <= 7; second++) report(second);
  assert.equal(Math.round(mic.startMs), 10_020, "the reports' start, as if the odd one never came");
});

test('a reported start far before the arrival (or after it) is not believed', () => {
  const clock = new TrackClock(90000, new SenderClock());
  clock.frameTime(0, 10_000);
  clock.onSenderReport(1000, 90000, 10_000); // says the first frame was captured 1 s before it arrived
  assert.equal(clock.startMs, 10_000);
});

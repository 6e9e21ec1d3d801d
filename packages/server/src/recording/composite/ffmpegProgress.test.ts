import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FfmpegProgress } from './ffmpegProgress';

test('progress blocks split anywhere are read; N/A before the first frame counts as 0', () => {
  const p = new FfmpegProgress();
  assert.equal(p.push('frame=0\nout_time_us=N/A\nout_time_ms=N/A\nprogr'), false);
  assert.equal(p.push('ess=continue\n'), true);
  assert.equal(p.fraction(10_000), 0);
  assert.equal(p.push('frame=75\nout_time_us=2500000\nout_time_ms=2500000\nout_time=00:00:02.500000\nspeed=2.1x\nprogress=continue\n'), true);
  assert.equal(p.fraction(10_000), 0.25);
  p.push('out_time_us=9000'); // a line cut short is not read until its end comes
  assert.equal(p.outTimeUs, 2_500_000);
  p.push('000\nprogress=continue\n');
  assert.equal(p.fraction(10_000), 0.9);
  assert.equal(p.ended, false);
  p.push('out_time_us=10040000\nprogress=end\n');
  assert.equal(p.ended, true);
  assert.equal(p.fraction(10_000), 1);
});

test('progress never goes past 1 nor backwards', () => {
  const p = new FfmpegProgress();
  p.push('out_time_us=20000000\nprogress=continue\n');
  assert.equal(p.fraction(10_000), 1);
  p.push('out_time_us=1000\nprogress=continue\n');
  assert.equal(p.outTimeUs, 20_000_000);
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { h264Frames, splitAnnexB } from '../testing/encodedMedia';
import { h264PictureSize } from './h264Sps';

function firstSps(size: string): Buffer {
  const nals = splitAnnexB(h264Frames(0.1, 60, size)[0]!.data);
  return nals.find((n) => (n[0]! & 0x1f) === 7)!;
}

test('the picture size of x264 SPSs, cropping included (360 and 1080 are not multiples of 16)', () => {
  assert.deepEqual(h264PictureSize(firstSps('640x360')), { width: 640, height: 360 });
  assert.deepEqual(h264PictureSize(firstSps('1920x1080')), { width: 1920, height: 1080 });
  assert.deepEqual(h264PictureSize(firstSps('320x240')), { width: 320, height: 240 });
});

test('a truncated SPS gives null, not a wrong size', () => {
  const sps = firstSps('640x360');
  assert.equal(h264PictureSize(sps.subarray(0, 6)), null);
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { preferCodec, sendEncodingsFor } from './videoEncoding';

test('the camera is three simulcast layers q, h, f, low to high, VP8 without scalability modes', () => {
  const encodings = sendEncodingsFor('camera');
  assert.deepEqual(encodings.map((e) => e.rid), ['q', 'h', 'f']);
  assert.deepEqual(encodings.map((e) => e.scaleResolutionDownBy), [4, 2, 1]);
  assert.deepEqual(encodings.map((e) => e.maxBitrate), [150_000, 500_000, 1_700_000]);
  for (const e of encodings) {
    assert.equal(e.active, true);
    assert.ok(e.maxFramerate! >= 15);
    assert.equal('scalabilityMode' in e, false);
  }
});

test('VP9 and AV1 get L1T3 per encoding; H264 does not', () => {
  for (const videoCodec of ['vp9', 'av1'] as const) {
    for (const e of sendEncodingsFor('camera', { videoCodec })) assert.equal((e as { scalabilityMode?: string }).scalabilityMode, 'L1T3');
  }
  for (const e of sendEncodingsFor('camera', { videoCodec: 'h264' })) assert.equal('scalabilityMode' in e, false);
});

test('the screen share is one unnamed full-resolution encoding, or the layers configured', () => {
  const [only, ...rest] = sendEncodingsFor('screen');
  assert.equal(rest.length, 0);
  assert.equal(only!.rid, undefined);
  assert.equal(only!.scaleResolutionDownBy, 1);
  assert.ok(only!.maxBitrate! >= 1_500_000);
  const two = sendEncodingsFor('screen', {
    screenLayers: [
      { rid: 'h', scaleResolutionDownBy: 2, maxBitrate: 400_000, maxFramerate: 5 },
      { rid: 'f', scaleResolutionDownBy: 1, maxBitrate: 2_000_000, maxFramerate: 15 },
    ],
  });
  assert.deepEqual(two.map((e) => e.rid), ['h', 'f']);
});

test('simulcast can be turned off and layers configured; bad rids are refused', () => {
  const single = sendEncodingsFor('camera', { simulcast: false });
  assert.equal(single.length, 1);
  assert.equal(single[0]!.rid, undefined);
  assert.equal(single[0]!.maxBitrate, 1_700_000);
  assert.equal(single[0]!.scaleResolutionDownBy, 1);
  const two = sendEncodingsFor('camera', {
    cameraLayers: [
      { rid: 'l', scaleResolutionDownBy: 2, maxBitrate: 300_000 },
      { rid: 'f', scaleResolutionDownBy: 1, maxBitrate: 1_200_000 },
    ],
  });
  assert.deepEqual(two.map((e) => [e.rid, e.maxFramerate]), [['l', undefined], ['f', undefined]]);
  assert.throws(() => sendEncodingsFor('camera', { cameraLayers: [] }), RangeError);
  const layer = { scaleResolutionDownBy: 1, maxBitrate: 1 };
  assert.throws(() => sendEncodingsFor('camera', { cameraLayers: [{ ...layer, rid: 'a' }, { ...layer, rid: 'a' }] }), /twice/);
  assert.throws(() => sendEncodingsFor('camera', { cameraLayers: [{ ...layer, rid: 'a b' }, { ...layer, rid: 'c' }] }), /rids/);
});

test('codec preference puts the chosen codec first and keeps the rest behind it', () => {
  const caps = [
    { mimeType: 'video/VP8', clockRate: 90000 },
    { mimeType: 'video/rtx', clockRate: 90000 },
    { mimeType: 'video/H264', clockRate: 90000, sdpFmtpLine: 'profile-level-id=42e01f' },
    { mimeType: 'video/H264', clockRate: 90000, sdpFmtpLine: 'profile-level-id=640c1f' },
    { mimeType: 'video/VP9', clockRate: 90000 },
  ];
  assert.deepEqual(
    preferCodec(caps, 'h264')?.map((c) => c.mimeType),
    ['video/H264', 'video/H264', 'video/VP8', 'video/rtx', 'video/VP9'],
  );
  assert.deepEqual(preferCodec(caps, 'vp9')?.map((c) => c.mimeType), ['video/VP9', 'video/VP8', 'video/rtx', 'video/H264', 'video/H264']);
  assert.equal(preferCodec(caps, 'av1'), undefined);
});

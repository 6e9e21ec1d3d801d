import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RTCRtpCodecParameters } from 'werift';
import { filterPublishCodecs, primaryCodec, subscribeCodecs } from './codecs';

const codec = (payloadType: number, mimeType: string, parameters?: string) =>
  new RTCRtpCodecParameters({ payloadType, mimeType, clockRate: 90000, parameters, rtcpFeedback: [{ type: 'nack' }, { type: 'transport-cc' }] });

test('publishers may send VP8 and constrained-baseline H264 (packetization-mode 1) only, with their RTX', () => {
  const offered = [
    codec(96, 'video/VP8'), codec(97, 'video/rtx', 'apt=96'),
    codec(102, 'video/H264', 'level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f'), codec(103, 'video/rtx', 'apt=102'),
    codec(104, 'video/H264', 'level-asymmetry-allowed=1;packetization-mode=0;profile-level-id=42e01f'), codec(105, 'video/rtx', 'apt=104'),
    codec(112, 'video/H264', 'level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=640c1f'), codec(113, 'video/rtx', 'apt=112'),
  ];
  const kept = filterPublishCodecs(offered);
  assert.deepEqual(kept.map((c) => c.payloadType), [96, 97, 102, 103]);
  assert.ok(kept.every((c) => c.rtcpFeedback.every((fb) => fb.type !== 'transport-cc')));
});

test('if nothing acceptable is offered, the list is left to werift', () => {
  const offered = [codec(112, 'video/H264', 'packetization-mode=1;profile-level-id=640c1f')];
  assert.deepEqual(filterPublishCodecs(offered), offered);
});

test("a subscriber m-line offers only the producer's codec once it is known", () => {
  const names = (codecs: RTCRtpCodecParameters[]) => codecs.map((c) => c.mimeType.toLowerCase());
  assert.deepEqual(names(subscribeCodecs('video', codec(100, 'video/h264'))), ['video/h264', 'video/rtx']);
  assert.deepEqual(names(subscribeCodecs('video', codec(120, 'video/VP8'))), ['video/vp8', 'video/rtx']);
  assert.deepEqual(names(subscribeCodecs('video', undefined)), ['video/vp8', 'video/rtx', 'video/h264', 'video/rtx']);
  assert.deepEqual(names(subscribeCodecs('audio', undefined)), ['audio/opus']);
  assert.equal(primaryCodec([codec(97, 'video/rtx', 'apt=96'), codec(96, 'video/VP8')])?.payloadType, 96);
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ReceiverEstimatedMaxBitrate, RtcpPacketConverter, RtcpPayloadSpecificFeedback } from 'werift';
import { isKeyFrameRequest, pliPacket, rembPacket } from './rtcp';

test('REMB round-trips through a parser: bitrate, SSRCs, identifier', () => {
  for (const bitrate of [2_500_000, 5_000_000, 300_000, 262_143, 100_000_000]) {
    const [parsed] = RtcpPacketConverter.deSerialize(rembPacket(1234, bitrate, [0xdeadbeef, 42]).serialize());
    assert.ok(parsed instanceof RtcpPayloadSpecificFeedback);
    const remb = parsed.feedback as ReceiverEstimatedMaxBitrate;
    assert.ok(remb instanceof ReceiverEstimatedMaxBitrate);
    assert.equal(remb.senderSsrc, 1234);
    assert.equal(remb.mediaSsrc, 0);
    assert.deepEqual(remb.ssrcFeedbacks, [0xdeadbeef, 42]);
    // 18-bit mantissa: exact up to 2^18, within 2^-17 above.
    assert.ok(Number(remb.bitrate) <= bitrate && Number(remb.bitrate) > bitrate * (1 - 2 ** -17), `${bitrate} -> ${remb.bitrate}`);
  }
  const bytes = rembPacket(1, 2_500_000, [7]).serialize();
  assert.equal(bytes.length, 24); // header 4 + ssrcs 8 + "REMB" 4 + num/exp/mantissa 4 + 1 ssrc 4
  assert.equal(bytes.readUInt16BE(2), bytes.length / 4 - 1); // RTCP length: words minus one
  assert.equal(bytes.subarray(12, 16).toString(), 'REMB');
});

test('PLI and FIR count as keyframe requests, REMB does not', () => {
  const [pli] = RtcpPacketConverter.deSerialize(pliPacket(1, 2).serialize());
  assert.ok(isKeyFrameRequest(pli!));
  assert.ok(isKeyFrameRequest({ type: 206, feedback: { count: 4 } }));
  assert.ok(!isKeyFrameRequest(rembPacket(1, 1, [2])));
  assert.ok(!isKeyFrameRequest({ type: 205, feedback: { count: 1 } })); // generic NACK
});

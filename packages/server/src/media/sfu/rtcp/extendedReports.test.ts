import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compactNtp, RtcpCursor } from '@confab/wire';
import { ntpTime } from './ntpTime';
import { roundTripFromDlrr, RRTR_PACKET_SIZE, RTCP_XR, writeRrtr } from './extendedReports';

/** An XR packet as Chrome answers an RRTR: a DLRR block with one sub-block per RRTR it got. */
function dlrr(subBlocks: [ssrc: number, lastRr: number, delay: number][], extraBlock = false): Buffer {
  const extra = extraBlock ? 12 : 0; // a VoIP-metrics-like block we skip (type 7, 2 words)
  const size = 8 + extra + 4 + 12 * subBlocks.length;
  const buf = Buffer.alloc(size);
  buf.writeUInt8(0x80, 0);
  buf.writeUInt8(RTCP_XR, 1);
  buf.writeUInt16BE(size / 4 - 1, 2);
  buf.writeUInt32BE(0x11223344, 4);
  let at = 8;
  if (extraBlock) {
    buf.writeUInt8(7, at);
    buf.writeUInt16BE(2, at + 2);
    at += 12;
  }
  buf.writeUInt8(5, at);
  buf.writeUInt16BE(3 * subBlocks.length, at + 2);
  at += 4;
  for (const [ssrc, lastRr, delay] of subBlocks) {
    buf.writeUInt32BE(ssrc, at);
    buf.writeUInt32BE(lastRr, at + 4);
    buf.writeUInt32BE(delay, at + 8);
    at += 12;
  }
  return buf;
}

test('an RRTR is a valid XR packet carrying our NTP time', () => {
  const buf = Buffer.alloc(64);
  const end = writeRrtr(buf, 4, 0xcafe, 0xe0000001, 0x80000000);
  assert.equal(end, 4 + RRTR_PACKET_SIZE);
  const cursor = new RtcpCursor().reset(buf.subarray(4), RRTR_PACKET_SIZE);
  assert.ok(cursor.next());
  assert.deepEqual([cursor.type, cursor.end], [RTCP_XR, RRTR_PACKET_SIZE]);
  assert.deepEqual([buf.readUInt32BE(8), buf.readUInt8(12), buf.readUInt16BE(14)], [0xcafe, 4, 2]);
  assert.deepEqual([buf.readUInt32BE(16), buf.readUInt32BE(20)], [0xe0000001, 0x80000000]);
});

test('the round-trip time from the DLRR sub-block about our SSRC', () => {
  const now = ntpTime(performance.now(), { seconds: 0, fraction: 0 });
  const nowCompact = compactNtp(now.seconds, now.fraction);
  // Our RRTR left 250 ms ago; the peer held it 200 ms: 50 ms on the wire.
  const lastRr = (nowCompact - 0.25 * 65536) >>> 0;
  const packet = dlrr([[0x99, 1, 1], [0xcafe, lastRr, 0.2 * 65536]], true);
  const rtt = roundTripFromDlrr(packet, 0, packet.length, 0xcafe, nowCompact);
  assert.ok(Math.abs(rtt - 50) < 0.1, `rtt ${rtt}`);
  assert.equal(roundTripFromDlrr(packet, 0, packet.length, 0xbeef, nowCompact), -1, 'not about us');
  assert.equal(roundTripFromDlrr(dlrr([[0xcafe, 0, 0]]), 0, 28, 0xcafe, nowCompact), -1, 'echoes no RRTR');
  const future = dlrr([[0xcafe, (nowCompact + 65536) >>> 0, 0]]);
  assert.equal(roundTripFromDlrr(future, 0, future.length, 0xcafe, nowCompact), -1, 'from after now');
  assert.equal(roundTripFromDlrr(packet, 0, packet.length - 4, 0xcafe, nowCompact), -1, 'block cut short');
});

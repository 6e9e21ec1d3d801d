/**
 * The stream state we send with, which the native fan-out continues in its rows: the same ROCs as
 * RFC 3711's guessing (rolloverCounter.ts) over a stream with wraps, late packets and packets from
 * before its start, and a session whose stream state moves between arrays while it sends still
 * protects what the peer can open.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createSrtpSession } from './createSrtpSession';
import { OUTBOUND_STREAM_STATE, OutboundRtpStream } from './OutboundRtpStream';
import { guessRoc, packetIndex } from './rolloverCounter';
import { rtpPacket, withRoom } from './testPackets';

/** What a stream remembering (roc, highest) by the RFC's rules answers for each sequence number. */
function referenceRocs(seqs: readonly number[]): number[] {
  let roc = 0;
  let highest = -1;
  return seqs.map((seq) => {
    if (highest < 0) {
      highest = seq;
      return 0;
    }
    const guess = guessRoc(roc, highest, seq);
    if (guess < 0) return 0;
    if (packetIndex(guess, seq) > packetIndex(roc, highest)) [roc, highest] = [guess, seq];
    return guess;
  });
}

test('an outbound stream gives the RFC 3711 ROCs through wraps, late packets and packets from before its start', () => {
  const seqs: number[] = [65_530, 65_520];
  for (let n = 0; n < 200_000; n++) seqs.push((65_531 + n) & 0xffff);
  seqs.push(65_534, 2, 30_000, 1); // late ones from around the last wrap and far back
  const stream = new OutboundRtpStream();
  const rocs = seqs.map((seq) => stream.next(seq));
  assert.deepEqual(rocs, referenceRocs(seqs));
  assert.equal(rocs[1], 0, 'a packet from before the first keeps ROC 0');
  assert.equal(rocs.reduce((a, b) => Math.max(a, b)), 4, "four wraps");
});

test('moved into a shared array, the stream continues there and leaves its state for others to move on', () => {
  const stream = new OutboundRtpStream();
  stream.next(65_535);
  const shared = new Float64Array(10);
  stream.moveState(shared, 4);
  assert.deepEqual([...shared.subarray(4, 4 + OUTBOUND_STREAM_STATE.size)], [0, 65_535]);
  assert.equal(stream.next(0), 1, 'wrapped');
  assert.deepEqual([...shared.subarray(4, 6)], [1, 0]);
  // Someone else (the native core) moves it on in place.
  shared[4 + OUTBOUND_STREAM_STATE.highestSeq] = 40_000;
  assert.equal(stream.next(40_001), 1);
  assert.equal(stream.next(3), 2, 'from 40,001 on, 3 is past the next wrap');
  const unstarted = new OutboundRtpStream();
  const row = new Float64Array(2);
  unstarted.moveState(row, 0);
  assert.equal(row[OUTBOUND_STREAM_STATE.highestSeq], -1, 'nothing sent yet');
});

test('a session whose send stream is moved between arrays while it sends protects what the peer opens, across a wrap', () => {
  const keys = { localKey: new Uint8Array(16).fill(1), localSalt: new Uint8Array(12).fill(2), remoteKey: new Uint8Array(16).fill(3), remoteSalt: new Uint8Array(12).fill(4) };
  const alice = createSrtpSession({ ...keys, profile: 'AEAD_AES_128_GCM', backend: 'ts' });
  const bob = createSrtpSession({ profile: 'AEAD_AES_128_GCM', backend: 'ts', localKey: keys.remoteKey, localSalt: keys.remoteSalt, remoteKey: keys.localKey, remoteSalt: keys.localSalt });
  const ssrc = 0x9abcdef0;
  const stream = alice.sendStream(ssrc)!;
  assert.equal(alice.sendStream(ssrc), stream, 'one stream per SSRC');
  const rows = [new Float64Array(8), new Float64Array(8)];
  for (let n = 0; n < 300; n++) {
    if (n % 50 === 0) stream.moveState(rows[(n / 50) % 2]!, 2 + (n % 3));
    const plain = rtpPacket({ seq: (65_400 + n) & 0xffff, ssrc, payload: Buffer.alloc(40, n) });
    const buf = withRoom(plain);
    const sealed = alice.protectRtp(buf, plain.length);
    assert.ok(sealed > 0);
    assert.equal(bob.unprotectRtp(buf, sealed), plain.length, `packet ${n}`);
  }
  alice.close();
  assert.equal(alice.sendStream(ssrc), null, 'none once closed');
});

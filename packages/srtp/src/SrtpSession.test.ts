import assert from 'node:assert/strict';
import { randomBytes, randomInt } from 'node:crypto';
import { describe, test } from 'node:test';
import { createPacketCipher } from './backend';
import { createSrtpSession } from './createSrtpSession';
import { deriveSessionKeys } from './keyDerivation';
import { SRTP_PROFILES } from './profiles';
import { SrtpStatus } from './status';
import { BACKENDS, PROFILES, rtcpPacket, rtpPacket, sessionPair, withRoom } from './testPackets';

for (const profile of PROFILES) {
  const { rtpOverhead, rtcpOverhead } = SRTP_PROFILES[profile];

  for (const backend of BACKENDS) {
    describe(`${profile} session (${backend})`, () => {
      test('RTP round trips for every header shape and payload size', () => {
        const { alice, bob } = sessionPair(profile, backend);
        let seq = 1000;
        for (const [csrcCount, extensionWords] of [[0, 0], [2, 0], [0, 3], [15, 1]] as const) {
          for (const size of [0, 1, 15, 16, 17, 160, 1100, 1400]) {
            const plain = rtpPacket({ seq: seq++, ssrc: 0x11223344, csrcCount, extensionWords, payload: randomBytes(size) });
            const buf = withRoom(plain);
            const n = alice.protectRtp(buf, plain.length);
            assert.equal(n, plain.length + rtpOverhead);
            const header = plain.length - size;
            assert.deepEqual(buf.subarray(0, header), plain.subarray(0, header), 'the header stays in the clear');
            if (size >= 8) assert.notDeepEqual(buf.subarray(header, plain.length), plain.subarray(header), 'the payload is encrypted');
            assert.equal(bob.unprotectRtp(buf, n), plain.length);
            assert.deepEqual(buf.subarray(0, plain.length), plain);
          }
        }
      });

      test('RTCP round trips with the E flag set and a per-SSRC index counting from 0', () => {
        const { alice, bob } = sessionPair(profile, backend);
        for (let i = 0; i < 5; i++) {
          for (const ssrc of [1, 0xfffffffe]) {
            const plain = rtcpPacket(ssrc, 4 * i);
            const buf = withRoom(plain);
            const n = alice.protectRtcp(buf, plain.length);
            assert.equal(n, plain.length + rtcpOverhead);
            const word = buf.readUInt32BE(profile === 'AEAD_AES_128_GCM' ? n - 4 : n - rtcpOverhead);
            assert.equal(word, (0x80000000 | i) >>> 0);
            assert.equal(bob.unprotectRtcp(buf, n), plain.length);
            assert.deepEqual(buf.subarray(0, plain.length), plain);
          }
        }
      });

      test('a packet sealed by one end does not open with its own remote key', () => {
        const { alice } = sessionPair(profile, backend);
        const plain = rtpPacket({ seq: 1, ssrc: 5, payload: randomBytes(100) });
        const buf = withRoom(plain);
        const n = alice.protectRtp(buf, plain.length);
        assert.equal(alice.unprotectRtp(buf, n), SrtpStatus.AuthFailed);
      });

      test('duplicates and packets older than the window are Replayed; reordering inside it is fine', () => {
        const { alice, bob } = sessionPair(profile, backend, backend, { replayWindow: 64 });
        const sealed = new Map<number, Buffer>();
        for (let seq = 0; seq < 200; seq++) {
          const buf = withRoom(rtpPacket({ seq, ssrc: 7, payload: randomBytes(40) }));
          const n = alice.protectRtp(buf, buf.length - 32);
          sealed.set(seq, buf.subarray(0, n));
        }
        const open = (seq: number) => bob.unprotectRtp(withRoom(sealed.get(seq)!), sealed.get(seq)!.length);
        assert.ok(open(150) > 0);
        assert.ok(open(149) > 0, 'late but inside the window');
        assert.equal(open(150), SrtpStatus.Replayed, 'duplicate');
        assert.equal(open(149), SrtpStatus.Replayed, 'duplicate of a late one');
        assert.ok(open(87) > 0, '63 behind the highest: the window edge');
        assert.equal(open(86), SrtpStatus.Replayed, '64 behind: too old');
        assert.ok(open(199) > 0);
        assert.equal(open(150), SrtpStatus.Replayed, 'still remembered after the window moved');
      });

      test('SRTCP duplicates are Replayed', () => {
        const { alice, bob } = sessionPair(profile, backend);
        const plain = rtcpPacket(9);
        const buf = withRoom(plain);
        const n = alice.protectRtcp(buf, plain.length);
        const copy = Buffer.from(buf);
        assert.equal(bob.unprotectRtcp(buf, n), plain.length);
        assert.equal(bob.unprotectRtcp(copy, n), SrtpStatus.Replayed);
      });

      test('ROC rolls over at 65535 -> 0 on both ends, late packets from before the wrap still open', () => {
        const { alice, bob } = sessionPair(profile, backend);
        const sealed: Buffer[] = [];
        for (let i = 0; i < 12; i++) {
          const buf = withRoom(rtpPacket({ seq: (65530 + i) & 0xffff, ssrc: 42, payload: randomBytes(64) }));
          sealed.push(buf.subarray(0, alice.protectRtp(buf, buf.length - 32)));
        }
        // Deliver with the packet of seq 65534 (ROC 0) arriving after seq 3 (ROC 1).
        const order = [0, 1, 2, 3, 5, 6, 7, 8, 9, 4, 10, 11];
        for (const i of order) assert.ok(bob.unprotectRtp(withRoom(sealed[i]!), sealed[i]!.length) > 0, `packet ${i}`);
        assert.equal(bob.unprotectRtp(withRoom(sealed[4]!), sealed[4]!.length), SrtpStatus.Replayed);
      });

      test('after the wrap the sender uses ROC 1, exactly as the cipher alone would', () => {
        const localKey = randomBytes(16);
        const localSalt = randomBytes(SRTP_PROFILES[profile].saltLength);
        const session = createSrtpSession({ profile, backend, localKey, localSalt, remoteKey: localKey, remoteSalt: localSalt });
        const cipher = createPacketCipher(backend, profile, deriveSessionKeys(profile, localKey, localSalt));
        for (const seq of [65534, 65535]) session.protectRtp(withRoom(rtpPacket({ seq, ssrc: 3, payload: randomBytes(8) })), 20);
        const plain = rtpPacket({ seq: 0, ssrc: 3, payload: randomBytes(50) });
        const viaSession = withRoom(plain);
        const viaCipher = withRoom(plain);
        assert.equal(session.protectRtp(viaSession, plain.length), cipher.sealRtp(viaCipher, plain.length, 12, 1));
        assert.deepEqual(viaSession, viaCipher);
      });

      test('a forged packet far ahead fails and does not move the receiver', () => {
        const { alice, bob } = sessionPair(profile, backend);
        const seal = (seq: number) => {
          const buf = withRoom(rtpPacket({ seq, ssrc: 8, payload: randomBytes(30) }));
          return buf.subarray(0, alice.protectRtp(buf, buf.length - 32));
        };
        const first = seal(10);
        assert.ok(bob.unprotectRtp(withRoom(first), first.length) > 0);
        const forged = withRoom(rtpPacket({ seq: 30000, ssrc: 8, payload: randomBytes(30 + rtpOverhead) }));
        assert.equal(bob.unprotectRtp(forged, forged.length - 32), SrtpStatus.AuthFailed);
        const next = seal(11);
        assert.ok(bob.unprotectRtp(withRoom(next), next.length) > 0, 'the stream still expects ROC 0 near seq 10');
      });

      test('a tampered tag, header or payload is AuthFailed', () => {
        const { alice, bob } = sessionPair(profile, backend);
        for (const at of ['header', 'payload', 'tag'] as const) {
          const plain = rtpPacket({ seq: randomInt(65536), ssrc: 77, payload: randomBytes(100) });
          const buf = withRoom(plain);
          const n = alice.protectRtp(buf, plain.length);
          const index = at === 'header' ? 1 : at === 'payload' ? 40 : n - 1;
          buf[index]! ^= 0x01;
          assert.equal(bob.unprotectRtp(buf, n), SrtpStatus.AuthFailed, at);
        }
        const rtcp = rtcpPacket(77);
        const buf = withRoom(rtcp);
        const n = alice.protectRtcp(buf, rtcp.length);
        buf[n - rtcpOverhead + 5]! ^= 0x80;
        assert.equal(bob.unprotectRtcp(buf, n), SrtpStatus.AuthFailed);
      });

      test('statuses: NoRoom, Malformed, StreamLimit, Closed', () => {
        const { alice, bob } = sessionPair(profile, backend, backend, { maxStreams: 2 });
        const plain = rtpPacket({ seq: 1, ssrc: 1, payload: randomBytes(20) });
        assert.equal(alice.protectRtp(Buffer.from(plain), plain.length), SrtpStatus.NoRoom);
        assert.equal(alice.protectRtcp(Buffer.from(rtcpPacket(1)), 32), SrtpStatus.NoRoom);
        assert.equal(alice.protectRtp(withRoom(plain), 11), SrtpStatus.Malformed);
        assert.equal(alice.protectRtp(withRoom(plain), plain.length + 100), SrtpStatus.Malformed, 'len beyond the buffer');
        assert.equal(alice.protectRtp(withRoom(plain), 1.5), SrtpStatus.Malformed);
        const v1 = withRoom(plain);
        v1[0] = 0x40;
        assert.equal(alice.protectRtp(v1, plain.length), SrtpStatus.Malformed, 'RTP version 1');
        assert.equal(bob.unprotectRtp(withRoom(plain), 12 + rtpOverhead - 1), SrtpStatus.Malformed, 'shorter than header + tag');
        assert.ok(alice.protectRtp(withRoom(plain), plain.length) > 0);
        assert.ok(alice.protectRtp(withRoom(rtpPacket({ seq: 1, ssrc: 2, payload: randomBytes(20) })), plain.length) > 0);
        assert.equal(alice.protectRtp(withRoom(rtpPacket({ seq: 1, ssrc: 3, payload: randomBytes(20) })), plain.length), SrtpStatus.StreamLimit);
        alice.close();
        assert.equal(alice.protectRtp(withRoom(plain), plain.length), SrtpStatus.Closed);
        assert.equal(alice.unprotectRtcp(withRoom(rtcpPacket(1)), 32), SrtpStatus.Closed);
      });
    });
  }

  describe(`${profile}: native and TypeScript agree`, () => {
    test('same keys, same random packets, same bytes; each opens the other', () => {
      const localKey = randomBytes(16);
      const localSalt = randomBytes(SRTP_PROFILES[profile].saltLength);
      const remoteKey = randomBytes(16);
      const remoteSalt = randomBytes(SRTP_PROFILES[profile].saltLength);
      const make = (backend: 'ts' | 'native', swap: boolean) =>
        createSrtpSession(
          swap
            ? { profile, backend, localKey: remoteKey, localSalt: remoteSalt, remoteKey: localKey, remoteSalt: localSalt }
            : { profile, backend, localKey, localSalt, remoteKey, remoteSalt },
        );
      const [ts, native, tsPeer, nativePeer] = [make('ts', false), make('native', false), make('ts', true), make('native', true)];
      let seq = 65000;
      for (let i = 0; i < 2000; i++) {
        const isRtcp = i % 10 === 9;
        const plain = isRtcp
          ? rtcpPacket(randomInt(4), 4 * randomInt(0, 60))
          : rtpPacket({ seq: seq++, ssrc: randomInt(3), csrcCount: randomInt(3), extensionWords: randomInt(3), payload: randomBytes(randomInt(0, 1300)) });
        // Any alignment: the TypeScript AES-CM path XORs word-wise only when it can.
        const a = withRoom(plain, 32, i % 4);
        const b = withRoom(plain, 32, (i >> 2) % 4);
        const na = isRtcp ? ts.protectRtcp(a, plain.length) : ts.protectRtp(a, plain.length);
        const nb = isRtcp ? native.protectRtcp(b, plain.length) : native.protectRtp(b, plain.length);
        assert.equal(na, nb);
        assert.deepEqual(a, b, `packet ${i}`);
        assert.equal(isRtcp ? nativePeer.unprotectRtcp(a, na) : nativePeer.unprotectRtp(a, na), plain.length);
        assert.equal(isRtcp ? tsPeer.unprotectRtcp(b, nb) : tsPeer.unprotectRtp(b, nb), plain.length);
        assert.deepEqual(a.subarray(0, plain.length), plain);
        assert.deepEqual(b.subarray(0, plain.length), plain);
      }
    });
  });
}

/**
 * Interop with an independent implementation that Chromium accepts: werift's SRTP (what Confab's
 * media step 1 runs on). This pins what no RFC vector does: AES-GCM key derivation with a 12-byte
 * master salt, and ROC handling across a sequence wrap, in both directions.
 */
import assert from 'node:assert/strict';
import { randomBytes, randomInt } from 'node:crypto';
import { describe, test } from 'node:test';
import { ProtectionProfileAeadAes128Gcm, ProtectionProfileAes128CmHmacSha1_80, RtpPacket, SrtcpSession, SrtpSession } from 'werift';
import { createSrtpSession } from './createSrtpSession';
import { SRTP_PROFILES } from './profiles';
import { BACKENDS, PROFILES, rtcpPacket, rtpPacket, withRoom } from './testPackets';

const weriftProfile = { AEAD_AES_128_GCM: ProtectionProfileAeadAes128Gcm, AES_CM_128_HMAC_SHA1_80: ProtectionProfileAes128CmHmacSha1_80 };

for (const profile of PROFILES) {
  for (const backend of BACKENDS) {
    describe(`werift interop, ${profile} (${backend})`, () => {
      const { keyLength, saltLength } = SRTP_PROFILES[profile];
      const ours = { key: randomBytes(keyLength), salt: randomBytes(saltLength) };
      const theirs = { key: randomBytes(keyLength), salt: randomBytes(saltLength) };
      const session = createSrtpSession({ profile, backend, localKey: ours.key, localSalt: ours.salt, remoteKey: theirs.key, remoteSalt: theirs.salt });
      const config = {
        profile: weriftProfile[profile],
        keys: { localMasterKey: theirs.key, localMasterSalt: theirs.salt, remoteMasterKey: ours.key, remoteMasterSalt: ours.salt },
      };
      const weriftRtp = new SrtpSession(config);
      const weriftRtcp = new SrtcpSession(config);

      test('RTP both ways across a sequence wrap', () => {
        for (let i = 0; i < 300; i++) {
          const plain = rtpPacket({ seq: 65400 + i, ssrc: 0xabcdef01, csrcCount: i % 3, payload: randomBytes(randomInt(1, 1200)) });
          const buf = withRoom(plain);
          const n = session.protectRtp(buf, plain.length);
          assert.deepEqual(weriftRtp.decrypt(Buffer.from(buf.subarray(0, n))), plain, `ours -> werift, packet ${i}`);

          const packet = RtpPacket.deSerialize(plain);
          const sealed = withRoom(weriftRtp.encrypt(packet.payload, packet.header));
          const len = sealed.length - 32;
          assert.equal(session.unprotectRtp(sealed, len), plain.length, `werift -> ours, packet ${i}`);
          assert.deepEqual(sealed.subarray(0, plain.length), plain);
        }
      });

      test('RTCP both ways', () => {
        for (let i = 0; i < 20; i++) {
          const plain = rtcpPacket(0x1234 + (i % 2), 4 * i);
          const buf = withRoom(plain);
          const n = session.protectRtcp(buf, plain.length);
          assert.deepEqual(weriftRtcp.decrypt(Buffer.from(buf.subarray(0, n))), plain, `ours -> werift, packet ${i}`);

          const sealed = withRoom(weriftRtcp.encrypt(Buffer.from(plain)));
          assert.equal(session.unprotectRtcp(sealed, sealed.length - 32), plain.length, `werift -> ours, packet ${i}`);
          assert.deepEqual(sealed.subarray(0, plain.length), plain);
        }
      });
    });
  }
}

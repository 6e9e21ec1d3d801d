/**
 * Published test vectors, on both backends: RFC 3711 Appendix B (AES-CM keystream, key
 * derivation), RFC 7714 sections 16 and 17 (AES-128-GCM SRTP and SRTCP), and libsrtp's reference
 * packets for AES_CM_128_HMAC_SHA1_80 through the whole session (KDF, IV, tag, SRTCP index).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createSrtpSession } from './createSrtpSession';
import { aesCmPrf, deriveSessionKeys, KdfLabel } from './keyDerivation';
import { SrtpStatus } from './status';
import { BACKENDS, cipherWithSessionKeys, hex, withRoom } from './testPackets';

describe('RFC 3711 B.3 key derivation', () => {
  const masterKey = hex('E1F97A0D3E018BE0D64FA32C06DE4139');
  const masterSalt = hex('0EC675AD498AFEEBB6960B3AABE6');

  test('cipher key, salt and the 94-byte auth keystream', () => {
    assert.equal(aesCmPrf(masterKey, masterSalt, KdfLabel.RtpEncryption, 16).toString('hex'), 'c61e7a93744f39ee10734afe3ff7a087');
    assert.equal(aesCmPrf(masterKey, masterSalt, KdfLabel.RtpSalt, 14).toString('hex'), '30cbbc08863d8c85d49db34a9ae1');
    assert.deepEqual(
      aesCmPrf(masterKey, masterSalt, KdfLabel.RtpAuthentication, 94),
      hex(`CEBE321F6FF7716B6FD4AB49AF256A15 6D38BAA48F0A0ACF3C34E2359E6CDBCE E049646C43D9327AD175578EF7227098
           6371C10C9A369AC2F94A8C5FBCDDDC25 6D6E919A48B610EF17C2041E47403576 6B68642C59BBFC2F34DB60DBDFB2`),
    );
  });

  test('deriveSessionKeys gives the same RTP keys and a 20-byte auth key', () => {
    const keys = deriveSessionKeys('AES_CM_128_HMAC_SHA1_80', masterKey, masterSalt);
    assert.equal(keys.rtpKey.toString('hex'), 'c61e7a93744f39ee10734afe3ff7a087');
    assert.equal(keys.rtpSalt.toString('hex'), '30cbbc08863d8c85d49db34a9ae1');
    assert.equal(keys.rtpAuthKey.toString('hex'), 'cebe321f6ff7716b6fd4ab49af256a156d38baa4');
    assert.notDeepEqual(keys.rtcpKey, keys.rtpKey);
  });
});

for (const backend of BACKENDS) {
  describe(`RFC 3711 B.2 AES-CM keystream (${backend})`, () => {
    test('blocks 0-2 and 0xfeff-0xff01 for SSRC 0, index 0', () => {
      const cipher = cipherWithSessionKeys(
        backend,
        'AES_CM_128_HMAC_SHA1_80',
        hex('2B7E151628AED2A6ABF7158809CF4F3C'),
        hex('F0F1F2F3F4F5F6F7F8F9FAFBFCFD'),
        Buffer.alloc(20, 7),
      );
      // Encrypting zeros leaves the keystream; the header has SSRC 0 and sequence number 0.
      const payload = 0xff02 * 16;
      const buf = Buffer.alloc(12 + payload + 10);
      buf[0] = 0x80;
      assert.equal(cipher.sealRtp(buf, 12 + payload, 12, 0), 12 + payload + 10);
      const block = (n: number) => buf.subarray(12 + n * 16, 12 + (n + 1) * 16).toString('hex').toUpperCase();
      assert.deepEqual([block(0), block(1), block(2)], ['E03EAD0935C95E80E166B16DD92B4EB4', 'D23513162B02D0F72A43A2FE4A5F97AB', '41E95B3BB0A2E8DD477901E4FCA894C0']);
      assert.deepEqual([block(0xfeff), block(0xff00), block(0xff01)], ['EC8CDF7398607CB0F2D21675EA9EA1E4', '362B7C3C6773516318A077D7FC5073AE', '6A2CC3787889374FBEB4C81B17BA6C44']);
      cipher.close();
    });
  });

  describe(`RFC 7714 AEAD_AES_128_GCM (${backend})`, () => {
    const key = hex('000102030405060708090a0b0c0d0e0f');
    const salt = hex('517569642070726f2071756f');
    const rtp = hex(`8040f17b 8041f8d3 5501a0b2 47616c6c 69612065 7374206f 6d6e6973 20646976
                     69736120 696e2070 61727465 73207472 6573`);
    const srtp = hex(`8040f17b 8041f8d3 5501a0b2 f24de3a3 fb34de6c acba861c 9d7e4bca be633bd5
                      0d294e6f 42a5f47a 51c7d19b 36de3adf 8833899d 7f27beb1 6a9152cf 765ee439 0cce`);
    const rtcp = hex(`81c8000d 4d617273 4e545031 4e545032 52545020 0000042a 0000e930 4c756e61
                      deadbeef deadbeef deadbeef deadbeef deadbeef`);
    const srtcp = hex(`81c8000d 4d617273 63e94885 dcdab67c a727d766 2f6b7e99 7ff5c0f7 6c06f32d
                       c676a5f1 730d6fda 4ce09b46 86303ded 0bb9275b c84aa458 96cf4d2f c5abf872 45d9eade 800005d4`);
    const rtcpTaggedOnly = hex(`81c8000d 4d617273 4e545031 4e545032 52545020 0000042a 0000e930 4c756e61
                                deadbeef deadbeef deadbeef deadbeef deadbeef 841dd968 3dd78ec9 2ae58790 125f62b3 000005d4`);
    const cipher = () => cipherWithSessionKeys(backend, 'AEAD_AES_128_GCM', key, salt);

    test('16.1.1 SRTP encryption', () => {
      const buf = withRoom(rtp);
      assert.equal(cipher().sealRtp(buf, rtp.length, 12, 0), srtp.length);
      assert.deepEqual(buf.subarray(0, srtp.length), srtp);
    });

    test('16.1.2 SRTP decryption, and a flipped bit anywhere fails', () => {
      const buf = withRoom(srtp);
      assert.equal(cipher().openRtp(buf, srtp.length, 12, 0), rtp.length);
      assert.deepEqual(buf.subarray(0, rtp.length), rtp);
      for (const at of [3, 12, 30, srtp.length - 1]) {
        const bad = withRoom(srtp);
        bad[at]! ^= 1;
        assert.equal(cipher().openRtp(bad, srtp.length, 12, 0), SrtpStatus.AuthFailed, `bit flipped at ${at}`);
      }
      assert.equal(cipher().openRtp(withRoom(srtp), srtp.length, 12, 1), SrtpStatus.AuthFailed, 'wrong ROC');
    });

    test('17.1 SRTCP encryption with index 0x5d4', () => {
      const buf = withRoom(rtcp);
      assert.equal(cipher().sealRtcp(buf, rtcp.length, 0x5d4), srtcp.length);
      assert.deepEqual(buf.subarray(0, srtcp.length), srtcp);
    });

    test('17.1 SRTCP decryption', () => {
      const buf = withRoom(srtcp);
      assert.equal(cipher().openRtcp(buf, srtcp.length), rtcp.length);
      assert.deepEqual(buf.subarray(0, rtcp.length), rtcp);
    });

    test('17.3 SRTCP tagged only (E = 0) verifies and stays as sent', () => {
      const buf = withRoom(rtcpTaggedOnly);
      assert.equal(cipher().openRtcp(buf, rtcpTaggedOnly.length), rtcp.length);
      assert.deepEqual(buf.subarray(0, rtcp.length), rtcp);
      const bad = withRoom(rtcpTaggedOnly);
      bad[20]! ^= 0x40;
      assert.equal(cipher().openRtcp(bad, rtcpTaggedOnly.length), SrtpStatus.AuthFailed);
    });
  });

  describe(`libsrtp reference packets, AES_CM_128_HMAC_SHA1_80 session (${backend})`, () => {
    const masterKey = hex('e1f97a0d3e018be0d64fa32c06de4139');
    const masterSalt = hex('0ec675ad498afeebb6960b3aabe6');
    const session = () =>
      createSrtpSession({
        profile: 'AES_CM_128_HMAC_SHA1_80',
        localKey: masterKey,
        localSalt: masterSalt,
        remoteKey: masterKey,
        remoteSalt: masterSalt,
        backend,
      });
    const rtp = hex('800f1234 decafbad cafebabe abababab abababab abababab abababab');
    const srtp = hex('800f1234 decafbad cafebabe 4e55dc4c e79978d8 8ca4d215 949d2402 b78d6acc 99ea179b 8dbb');
    const rtcp = hex('81c8000b cafebabe abababab abababab abababab abababab');
    // libsrtp's sender counts SRTCP from 1; ours from 0, so this is our second packet.
    const srtcp = hex('81c8000b cafebabe 7128035b e487b9bd bef89041 f977a5a8 80000001 993e08cd 54d6c123 0798');

    test('SRTP protect and unprotect', () => {
      const buf = withRoom(rtp);
      assert.equal(session().protectRtp(buf, rtp.length), srtp.length);
      assert.deepEqual(buf.subarray(0, srtp.length), srtp);
      const back = withRoom(srtp);
      assert.equal(session().unprotectRtp(back, srtp.length), rtp.length);
      assert.deepEqual(back.subarray(0, rtp.length), rtp);
    });

    test('SRTCP protect (index 1) and unprotect', () => {
      const s = session();
      assert.equal(s.protectRtcp(withRoom(rtcp), rtcp.length), srtcp.length);
      const buf = withRoom(rtcp);
      assert.equal(s.protectRtcp(buf, rtcp.length), srtcp.length);
      assert.deepEqual(buf.subarray(0, srtcp.length), srtcp);
      const back = withRoom(srtcp);
      assert.equal(session().unprotectRtcp(back, srtcp.length), rtcp.length);
      assert.deepEqual(back.subarray(0, rtcp.length), rtcp);
    });

    test('every truncation of the reference packets is rejected', () => {
      for (let len = srtp.length - 1; len >= 0; len--) {
        assert.ok(session().unprotectRtp(withRoom(srtp.subarray(0, len)), len) < 0, `SRTP truncated to ${len}`);
      }
      for (let len = srtcp.length - 1; len >= 0; len--) {
        assert.ok(session().unprotectRtcp(withRoom(srtcp.subarray(0, len)), len) < 0, `SRTCP truncated to ${len}`);
      }
    });
  });
}

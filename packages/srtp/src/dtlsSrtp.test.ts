import assert from 'node:assert/strict';
import { test } from 'node:test';
import { dtlsSrtpKeyingMaterialLength, splitDtlsSrtpKeyingMaterial } from './dtlsSrtp';
import { SRTP_PROFILES, srtpProfileFromDtlsId } from './profiles';
import { PROFILES } from './testPackets';

for (const profile of PROFILES) {
  test(`${profile}: client key | server key | client salt | server salt, by role`, () => {
    const { keyLength: k, saltLength: s } = SRTP_PROFILES[profile];
    const material = Buffer.from(Array.from({ length: 2 * (k + s) }, (_, i) => i));
    assert.equal(dtlsSrtpKeyingMaterialLength(profile), material.length);
    const client = splitDtlsSrtpKeyingMaterial(material, profile, 'client');
    const server = splitDtlsSrtpKeyingMaterial(material, profile, 'server');
    assert.deepEqual(client.localKey, material.subarray(0, k));
    assert.deepEqual(client.remoteKey, material.subarray(k, 2 * k));
    assert.deepEqual(client.localSalt, material.subarray(2 * k, 2 * k + s));
    assert.deepEqual(client.remoteSalt, material.subarray(2 * k + s));
    assert.deepEqual(server, { localKey: client.remoteKey, localSalt: client.remoteSalt, remoteKey: client.localKey, remoteSalt: client.localSalt });
    material.fill(0);
    assert.notDeepEqual(client.localKey, material.subarray(0, k), 'copies, not views');
    assert.throws(() => splitDtlsSrtpKeyingMaterial(material.subarray(1), profile, 'client'), RangeError);
  });
}

test('DTLS protection profile ids', () => {
  assert.equal(srtpProfileFromDtlsId(0x0007), 'AEAD_AES_128_GCM');
  assert.equal(srtpProfileFromDtlsId(0x0001), 'AES_CM_128_HMAC_SHA1_80');
  assert.equal(srtpProfileFromDtlsId(0x0002), undefined);
});

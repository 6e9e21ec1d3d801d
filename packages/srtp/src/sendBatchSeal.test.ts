/**
 * The seal deferred to the send table (native/seal_table.h): SrtpSession.prepareRtp() when the
 * packet is collected, the native sendBatch's seal just before sendmmsg. What leaves must be what
 * the TypeScript backend's protectRtp() gives, across a sequence number wrap, for both profiles;
 * a packet whose cipher is gone (closed, its registry slot reused) or that is malformed is dropped.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';
import { after, before, describe, test } from 'node:test';
import { createSrtpSession } from './createSrtpSession';
import { loadNativeAddon } from './nativeAddon';
import type { SrtpBackend } from './packetCipher';
import { SRTP_PROFILES, type SrtpProfile } from './profiles';
import { PROFILES, rtpPacket } from './testPackets';
import { udpSocketFd } from './udpSocketFd';

const sendBatch = loadNativeAddon().addon?.sendBatch;
const skip = sendBatch === undefined ? 'the native core (Linux) is not built' : false;
const SLOT = 1500;
const FIELDS = 6;
const LOOPBACK = 0x7f000001;

/** A sender with fixed keys, so that two of them (one per backend) must give the same bytes; or its receiver. */
function session(profile: SrtpProfile, backend: SrtpBackend, role: 'sender' | 'receiver' = 'sender') {
  const { keyLength, saltLength } = SRTP_PROFILES[profile];
  const ours = { key: Buffer.alloc(keyLength, 1), salt: Buffer.alloc(saltLength, 2) };
  const theirs = { key: Buffer.alloc(keyLength, 3), salt: Buffer.alloc(saltLength, 4) };
  const [local, remote] = role === 'sender' ? [ours, theirs] : [theirs, ours];
  return createSrtpSession({ profile, backend, localKey: local.key, localSalt: local.salt, remoteKey: remote.key, remoteSalt: remote.salt });
}

let sender: Socket;
let receiver: Socket;
let got: Buffer[] = [];
async function bound(): Promise<Socket> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  return socket;
}
async function received(count: number): Promise<Buffer[]> {
  const deadline = Date.now() + 2000;
  while (got.length < count && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
  const out = got;
  got = [];
  return out;
}

describe('a seal deferred to the send table', { skip }, () => {
  before(async () => {
    [sender, receiver] = [await bound(), await bound()];
    receiver.on('message', (buf) => got.push(buf));
  });
  after(() => {
    sender?.close();
    receiver?.close();
  });

  for (const profile of PROFILES) {
    test(`${profile}: what leaves is what the TypeScript backend's protectRtp gives, the sequence numbers wrapping`, async () => {
      const now = session(profile, 'ts');
      const later = session(profile, 'native');
      const opener = session(profile, 'native', 'receiver');
      // Two streams, with and without a header extension, the first wrapping.
      const plain = Array.from({ length: 9 }, (_, i) =>
        rtpPacket({ seq: (0xfffd + i) & 0xffff, ssrc: i % 3 === 2 ? 0x0badcafe : 0x11223344, extensionWords: i % 2, payload: randomBytes(40 + i * 37) }),
      );
      const memory = Buffer.alloc(SLOT * plain.length);
      const table = new Int32Array(plain.length * FIELDS);
      plain.forEach((packet, i) => {
        packet.copy(memory, i * SLOT);
        const roc = later.prepareRtp(memory.subarray(i * SLOT, (i + 1) * SLOT), packet.length);
        assert.ok(roc >= 0);
        table.set([i * SLOT, packet.length, LOOPBACK, receiver.address().port, later.rtpSealId, roc], i * FIELDS);
      });
      assert.equal(sendBatch!(udpSocketFd(sender)!, memory, table, plain.length), plain.length);
      const expected = plain.map((packet) => {
        const buf = Buffer.alloc(SLOT);
        packet.copy(buf);
        return buf.subarray(0, now.protectRtp(buf, packet.length));
      });
      const arrived = await received(plain.length);
      assert.deepEqual(arrived, expected);
      for (const [i, buf] of arrived.entries()) assert.equal(opener.unprotectRtp(buf, buf.length), plain[i]!.length);
      assert.ok(table.every((v, i) => i % FIELDS !== 4 || v === -1), 'no seal is owed any more');
    });

    test(`${profile}: a packet of a closed cipher, of a reused registry slot, or malformed is dropped alone`, async () => {
      const closed = session(profile, 'native');
      const staleId = closed.rtpSealId;
      closed.close();
      assert.equal(closed.rtpSealId, -1);
      // The next cipher may take the freed slot, under a new generation: the old id stays dead.
      const fresh = session(profile, 'native');
      const sealId = fresh.rtpSealId;
      assert.ok(sealId >= 0 && sealId !== staleId);
      const packet = rtpPacket({ seq: 7, ssrc: 9, payload: randomBytes(100) });
      const memory = Buffer.alloc(SLOT * 3);
      for (let i = 0; i < 3; i++) packet.copy(memory, i * SLOT);
      memory[2 * SLOT] = 0x40; // version 1
      const port = receiver.address().port;
      const table = Int32Array.from([0, packet.length, LOOPBACK, port, staleId, 0, SLOT, packet.length, LOOPBACK, port, sealId, 0, 2 * SLOT, packet.length, LOOPBACK, port, sealId, 0]);
      assert.equal(sendBatch!(udpSocketFd(sender)!, memory, table, 3), 1);
      const arrived = await received(1);
      assert.equal(arrived.length, 1);
      assert.equal(arrived[0]!.length, packet.length + SRTP_PROFILES[profile].rtpOverhead);
      assert.equal(session(profile, 'native', 'receiver').unprotectRtp(arrived[0]!, arrived[0]!.length), packet.length);
    });
  }
});

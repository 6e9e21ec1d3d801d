import assert from 'node:assert/strict';
import { test } from 'node:test';
import { classifyPacket, PacketKind } from './packetKind';

test('RFC 7983 ranges of the first byte, RFC 5761 split of RTP and RTCP', () => {
  const kind = (...bytes: number[]) => classifyPacket(Uint8Array.from(bytes), bytes.length);
  assert.equal(kind(0x00, 0x01), PacketKind.Stun);
  assert.equal(kind(0x03, 0x00), PacketKind.Stun);
  assert.equal(kind(0x04, 0x00), PacketKind.Unknown); // 4-19: ZRTP
  assert.equal(kind(0x14, 0xfe), PacketKind.Dtls); // change_cipher_spec
  assert.equal(kind(0x16, 0xfe), PacketKind.Dtls); // handshake
  assert.equal(kind(0x17, 0xfe), PacketKind.Dtls); // application data
  assert.equal(kind(0x3f, 0x00), PacketKind.Dtls);
  assert.equal(kind(0x40, 0x00), PacketKind.Unknown); // 64-79: TURN channel
  assert.equal(kind(0x80, 0x6f), PacketKind.Rtp); // PT 111
  assert.equal(kind(0x90, 0xe0), PacketKind.Rtp); // marker + PT 96
  assert.equal(kind(0x80, 0xc8), PacketKind.Rtcp); // SR
  assert.equal(kind(0x81, 0xc9), PacketKind.Rtcp); // RR
  assert.equal(kind(0x8f, 0xcd), PacketKind.Rtcp); // RTPFB (TWCC)
  assert.equal(kind(0x81, 0xce), PacketKind.Rtcp); // PSFB (PLI)
  assert.equal(kind(0xbf, 0xc0), PacketKind.Rtcp); // 192
  assert.equal(kind(0x80, 0xdf), PacketKind.Rtcp); // 223
  assert.equal(kind(0x80, 0xe0), PacketKind.Rtp); // 224: marker + PT 96
  assert.equal(kind(0xc0, 0x00), PacketKind.Unknown); // 192+: QUIC
  assert.equal(kind(0x80), PacketKind.Unknown); // too short
});

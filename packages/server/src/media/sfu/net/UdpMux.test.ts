import assert from 'node:assert/strict';
import { createHmac, randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import {
  buildStun,
  crc32,
  shortTermKey,
  STUN_FINGERPRINT_XOR,
  StunClass,
  StunErrorCode,
  verifyStunFingerprint,
  verifyStunIntegrity,
} from '@confab/wire';
import { PacketSlots } from '../PacketSlots';
import { IceRegistry } from './IceRegistry';
import { IceTestPeer } from './testing/IceTestPeer';
import { RecordingOwner } from './testing/RecordingOwner';
import { kernelSkip, openMux, quiet, RTP, until } from './testing/udpMuxTesting';
import { UdpMux } from './UdpMux';
import { nativeUdpBatchSend } from '@confab/srtp';

/** Real sockets on loopback: the mux, real ICE-lite endpoints, and test peers acting as browsers. */

const RTCP = Buffer.from('81c90007000000010000000a' + 'cd'.repeat(16), 'hex');
const DTLS = Buffer.from('16fefd000000000000000000010001', 'hex');

let registry: IceRegistry;
let mux: UdpMux;
const peers: IceTestPeer[] = [];

async function peer(): Promise<IceTestPeer> {
  const p = await IceTestPeer.udp(mux.port);
  peers.push(p);
  return p;
}


for (const mode of ['dgram', 'kernel'] as const) describe(`UdpMux (${mode} receive)`, { skip: mode === 'kernel' ? kernelSkip : false }, () => {
  before(async () => {
    registry = new IceRegistry();
    mux = await openMux(mode, registry);
  });
  after(async () => {
    for (const p of peers.splice(0)) p.close();
    await mux.close();
  });

  test(mode === 'kernel'
    ? 'arrival times are the kernel\'s: two datagrams 20 ms apart keep their gap though the thread was busy when both arrived'
    : 'arrival times are JavaScript\'s: two datagrams 20 ms apart that queued while the thread was busy get the same time', async (t) => {
    const owner = new RecordingOwner(registry);
    try {
      const p = await peer();
      await p.check({ serverUfrag: owner.ufrag, serverPassword: owner.password, useCandidate: true });
      const busy = (ms: number) => {
        const end = performance.now() + ms;
        while (performance.now() < end);
      };
      /** Two datagrams 20 ms apart while the thread is busy; each send bracketed by the clock. */
      const pair = async (): Promise<{ sent: Array<[number, number]>; arrivals: number[] }> => {
        owner.packets.length = 0;
        const sent: Array<[number, number]> = [];
        for (const packet of [RTP, RTCP]) {
          const before = performance.now();
          p.send(packet);
          sent.push([before, performance.now()]);
          busy(20);
        }
        busy(10);
        await until(() => owner.packets.length === 2, 'both datagrams');
        return { sent, arrivals: owner.packets.map((packet) => packet.arrivalMs) };
      };
      if (mode === 'kernel') {
        // Stamped by the kernel inside each send, mapped to performance.now()'s clock (to ~1 µs).
        // On a loaded machine the kernel may itself defer a loopback receive to ksoftirqd, so the
        // pair is tried up to three times; JavaScript stamps would fail every try.
        const within = ({ sent, arrivals }: Awaited<ReturnType<typeof pair>>) =>
          arrivals.every((arrivalMs, i) => arrivalMs >= sent[i]![0] - 0.05 && arrivalMs <= sent[i]![1] + 0.05);
        const tries: Array<Awaited<ReturnType<typeof pair>>> = [];
        for (let i = 0; i < 3 && !tries.some(within); i++) tries.push(await pair());
        const best = tries.find(within) ?? tries[0]!;
        t.diagnostic(`[measure] udp_${mode}_arrival_gap_ms=${(best.arrivals[1]! - best.arrivals[0]!).toFixed(3)} tries=${tries.length}`);
        assert.ok(tries.some(within), `stamped within their sends: ${JSON.stringify(tries)}`);
      } else {
        const { sent, arrivals } = await pair();
        const gap = arrivals[1]! - arrivals[0]!;
        t.diagnostic(`[measure] udp_${mode}_arrival_gap_ms=${gap.toFixed(3)}`);
        assert.ok(arrivals.every((arrivalMs) => arrivalMs > sent[1]![1]), 'stamped when the thread was free again');
        assert.ok(gap < 5, `gap ${gap} ms`); // read one after the other
      }
    } finally {
      owner.endpoint.close();
    }
  });

  test('two endpoints on one port: each check is answered with its own credentials, then packets route by address', async () => {
    const a = new RecordingOwner(registry);
    const b = new RecordingOwner(registry);
    const [pa, pb] = [await peer(), await peer()];

    const ra = await pa.check({ serverUfrag: a.ufrag, serverPassword: a.password, useCandidate: true });
    const rb = await pb.check({ serverUfrag: b.ufrag, serverPassword: b.password, useCandidate: true });
    assert.ok(ra && rb);
    assert.equal(ra.msg.messageClass, StunClass.SuccessResponse);
    assert.ok(verifyStunIntegrity(ra.buf, ra.msg, shortTermKey(a.password)));
    assert.ok(!verifyStunIntegrity(ra.buf, ra.msg, shortTermKey(b.password)));
    assert.ok(verifyStunIntegrity(rb.buf, rb.msg, shortTermKey(b.password)));
    assert.ok(verifyStunFingerprint(ra.buf, ra.msg));
    assert.deepEqual(ra.msg.xorMappedAddress, { family: 4, address: '127.0.0.1', port: pa.localPort });
    assert.deepEqual(rb.msg.xorMappedAddress, { family: 4, address: '127.0.0.1', port: pb.localPort });

    pa.send(RTP);
    pa.send(DTLS);
    pb.send(RTCP);
    await until(() => a.packets.length === 2 && b.packets.length === 1, 'packets routed');
    assert.deepEqual(a.packets.map((p) => p.buf), [RTP, DTLS]);
    assert.deepEqual(b.packets.map((p) => p.buf), [RTCP]);
    assert.equal(a.endpoint.selected?.remotePort, pa.localPort);

    // Both directions: what an endpoint sends on its selected path reaches its peer only.
    a.endpoint.selected!.send(RTP, 20);
    await until(() => pa.received.length === 1, 'peer A receives');
    assert.deepEqual(pa.received[0], RTP.subarray(0, 20));
    assert.equal(pb.received.length, 0);
    a.endpoint.close();
    b.endpoint.close();
  });

  test('unknown usernames are ignored: no answer, and the address stays unknown', async () => {
    const known = new RecordingOwner(registry);
    const p = await peer();
    const dropped = mux.stats.datagramsDropped;
    assert.equal(await p.check({ serverUfrag: 'nobody00', serverPassword: known.password }), null);
    assert.equal(await p.check({ serverUfrag: `${known.ufrag}x`, serverPassword: known.password }), null);
    p.send(RTP);
    await quiet();
    assert.equal(known.packets.length, 0);
    assert.equal(mux.stats.datagramsDropped, dropped + 3);
    known.endpoint.close();
  });

  test('garbage datagrams are ignored and the mux keeps serving', async () => {
    const owner = new RecordingOwner(registry);
    const p = await peer();
    const dropped = mux.stats.datagramsDropped;
    const tid = randomBytes(12);
    const garbage = [
      Buffer.alloc(0),
      Buffer.from([0x00]),
      randomBytes(300),
      Buffer.from('0001000c2112a442', 'hex'), // a STUN header cut short
      Buffer.concat([Buffer.from('0001000c2112a442', 'hex'), tid]), // length beyond the datagram
      buildStun({ messageClass: StunClass.SuccessResponse, transactionId: tid }), // a response: we never asked
      buildStun({ messageClass: StunClass.Indication, transactionId: tid, fingerprint: true }), // keepalive
      buildStun({ messageClass: StunClass.Request, transactionId: tid, fingerprint: true }), // no USERNAME
      Buffer.from([0x40, 0x01, 0x02, 0x03]), // RFC 7983 gap (64-127)
      RTP, // media from an address nobody validated
    ];
    for (const g of garbage) p.send(g);
    await quiet();
    assert.equal(owner.packets.length, 0);
    assert.equal(p.received.length, 0, 'nothing answered');
    // Empty datagrams may not count on every kernel; everything else must be dropped.
    assert.ok(mux.stats.datagramsDropped >= dropped + garbage.length - 1);
    const r = await p.check({ serverUfrag: owner.ufrag, serverPassword: owner.password });
    assert.equal(r?.msg.messageClass, StunClass.SuccessResponse);
    owner.endpoint.close();
  });

  test('a wrong password gets 401 without integrity, and the path is not validated', async () => {
    const owner = new RecordingOwner(registry);
    const p = await peer();
    const r = await p.check({ serverUfrag: owner.ufrag, serverPassword: 'not-the-password-at-all' });
    assert.equal(r?.msg.messageClass, StunClass.ErrorResponse);
    assert.equal(r?.msg.errorCode?.code, StunErrorCode.Unauthorized);
    assert.equal(r?.msg.integrityOffset, -1);
    p.send(RTP);
    await quiet();
    assert.equal(owner.packets.length, 0);
    assert.equal(owner.endpoint.validatedPaths.length, 0);
    owner.endpoint.close();
  });

  test('a check without FINGERPRINT is dropped silently; a controlled peer gets 487 with integrity', async () => {
    const owner = new RecordingOwner(registry);
    const p = await peer();
    assert.equal(await p.check({ serverUfrag: owner.ufrag, serverPassword: owner.password, fingerprint: false }), null);
    const conflict = await p.check({ serverUfrag: owner.ufrag, serverPassword: owner.password, controlled: true });
    assert.equal(conflict?.msg.errorCode?.code, StunErrorCode.RoleConflict);
    assert.ok(verifyStunIntegrity(conflict!.buf, conflict!.msg, shortTermKey(owner.password)));
    assert.equal(owner.endpoint.validatedPaths.length, 0);
    owner.endpoint.close();
  });

  test('a comprehension-required attribute we do not know gets 420 listing it', async () => {
    const owner = new RecordingOwner(registry);
    const p = await peer();
    const tid = randomBytes(12);
    const request = buildStun({
      messageClass: StunClass.Request,
      transactionId: tid,
      username: `${owner.ufrag}:peer`,
      iceControlling: 1n,
      integrityKey: shortTermKey(owner.password),
      fingerprint: true,
    });
    // Splice an unknown required attribute (0x7f01, empty) in front of USERNAME and rebuild the checksums.
    const withUnknown = Buffer.concat([request.subarray(0, 20), Buffer.from('7f010000', 'hex'), request.subarray(20)]);
    withUnknown.writeUInt16BE(withUnknown.length - 20, 2);
    const resigned = resign(withUnknown, owner.password);
    const r = await p.request(resigned, tid);
    assert.equal(r?.msg.errorCode?.code, StunErrorCode.UnknownAttribute);
    assert.deepEqual(r?.msg.unknownAttributes, [0x7f01]);
    owner.endpoint.close();
  });

  test('the browser nominating another path switches to it; the first stays attached', async () => {
    const owner = new RecordingOwner(registry);
    const [p1, p2] = [await peer(), await peer()];
    const creds = { serverUfrag: owner.ufrag, serverPassword: owner.password };
    await p1.check({ ...creds });
    assert.equal(owner.endpoint.selected?.remotePort, p1.localPort, 'the first valid path is used before nomination');
    await p2.check({ ...creds });
    assert.equal(owner.endpoint.selected?.remotePort, p1.localPort, 'a second valid path alone does not switch');
    await p2.check({ ...creds, useCandidate: true });
    assert.equal(owner.endpoint.selected?.remotePort, p2.localPort);
    await p1.check({ ...creds, useCandidate: true });
    assert.equal(owner.endpoint.selected?.remotePort, p1.localPort);
    assert.equal(owner.endpoint.validatedPaths.length, 2);
    p2.send(RTP);
    await until(() => owner.packets.length === 1, 'packet from the other path');
    owner.endpoint.close();
    assert.equal(mux.attachedPaths, 0, 'closing the endpoint detaches its addresses');
  });

  test('an address validated by another endpoint moves to it; the first hears it is gone', async () => {
    const first = new RecordingOwner(registry);
    const second = new RecordingOwner(registry);
    const p = await peer();
    await p.check({ serverUfrag: first.ufrag, serverPassword: first.password, useCandidate: true });
    await p.check({ serverUfrag: second.ufrag, serverPassword: second.password, useCandidate: true });
    assert.equal(first.closedPaths.length, 1);
    assert.equal(first.endpoint.selected, null);
    p.send(RTP);
    await until(() => second.packets.length === 1, 'packet at the new owner');
    assert.equal(first.packets.length, 0);
    first.endpoint.close();
    second.endpoint.close();
  });

  test('consent: checks keep an endpoint alive, silence past the timeout expires it', async () => {
    // A timeout well above the check interval, so a loaded machine's pauses don't expire it early.
    const owner = new RecordingOwner(registry, 1_500);
    const p = await peer();
    let lastCheck = 0;
    for (let i = 0; i < 20; i++) {
      await p.check({ serverUfrag: owner.ufrag, serverPassword: owner.password });
      lastCheck = Date.now();
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.equal(owner.consentExpired, false, 'alive after 2 s of checks');
    await until(() => owner.consentExpired, 'consent expiry', 5_000);
    assert.ok(Date.now() - lastCheck >= 1_490, 'not before the timeout');
    owner.endpoint.close();
  });

  test('ICE restart: the old credentials work until a check with the new ones, then stop', async () => {
    const owner = new RecordingOwner(registry);
    const p = await peer();
    const old = { serverUfrag: owner.ufrag, serverPassword: owner.password };
    await p.check({ ...old, useCandidate: true });
    const fresh = owner.endpoint.restart('peer2');
    assert.notEqual(fresh.usernameFragment, old.serverUfrag);
    assert.equal((await p.check(old))?.msg.messageClass, StunClass.SuccessResponse, 'old still answered');
    assert.equal(owner.restartsCompleted, 0);
    const wrongRemote = await p.check({ serverUfrag: fresh.usernameFragment, serverPassword: fresh.password, ufrag: 'peer' });
    assert.equal(wrongRemote?.msg.errorCode?.code, StunErrorCode.Unauthorized, 'the new generation expects the new remote ufrag');
    const r = await p.check({ serverUfrag: fresh.usernameFragment, serverPassword: fresh.password, ufrag: 'peer2' });
    assert.equal(r?.msg.messageClass, StunClass.SuccessResponse);
    assert.equal(owner.restartsCompleted, 1);
    assert.equal(await p.check(old), null, 'old ufrag forgotten');
    owner.endpoint.close();
  });
});

test('closed while datagrams keep arriving, the kernel receive stops cleanly: nothing is handled after close, and the port can be bound again', { skip: kernelSkip }, async () => {
  const reg = new IceRegistry();
  const closing = await openMux('kernel', reg);
  const owner = new RecordingOwner(reg);
  owner.record = false;
  const p = await IceTestPeer.udp(closing.port);
  try {
    await p.check({ serverUfrag: owner.ufrag, serverPassword: owner.password, useCandidate: true });
    const flood = setInterval(() => {
      for (let i = 0; i < 50; i++) p.send(RTP);
    }, 1);
    await until(() => owner.received > 500, 'the flood arriving');
    const port = closing.port;
    await closing.close();
    const atClose = owner.received;
    await quiet();
    clearInterval(flood);
    assert.equal(owner.received, atClose, 'nothing handled after close');
    const again = await UdpMux.open({ registry: new IceRegistry(), bindAddress: '127.0.0.1', port });
    await again.close();
  } finally {
    p.close();
    owner.endpoint.close();
    await closing.close();
  }
});

test('a dual-stack socket (bind ::) maps IPv4 peers to IPv4 and IPv6 peers to IPv6 XOR-MAPPED-ADDRESS', async () => {
  const dualRegistry = new IceRegistry();
  const dual = await UdpMux.open({ registry: dualRegistry, bindAddress: '::' });
  const owner = new RecordingOwner(dualRegistry);
  const v4 = await IceTestPeer.udp(dual.port, '127.0.0.1');
  const v6 = await IceTestPeer.udp(dual.port, '::1');
  try {
    const creds = { serverUfrag: owner.ufrag, serverPassword: owner.password };
    const r4 = await v4.check(creds);
    const r6 = await v6.check(creds);
    assert.deepEqual(r4?.msg.xorMappedAddress, { family: 4, address: '127.0.0.1', port: v4.localPort });
    assert.deepEqual(r6?.msg.xorMappedAddress, { family: 6, address: '::1', port: v6.localPort });
    v6.send(RTP);
    await until(() => owner.packets.length === 1, 'IPv6 packet routed');
  } finally {
    v4.close();
    v6.close();
    owner.endpoint.close();
    await dual.close();
  }
});

/**
 * Recomputes MESSAGE-INTEGRITY and FINGERPRINT (the last two attributes) of a request whose bytes
 * a test edited, the way RFC 8489 14.5 and 14.7 say.
 */
function resign(buf: Buffer, password: string): Buffer {
  const out = Buffer.from(buf);
  const integrityAt = out.length - 8 - 24;
  out.writeUInt16BE(integrityAt + 24 - 20, 2);
  createHmac('sha1', shortTermKey(password)).update(out.subarray(0, integrityAt)).digest().copy(out, integrityAt + 4);
  out.writeUInt16BE(out.length - 20, 2);
  out.writeUInt32BE((crc32(out, 0, out.length - 8) ^ STUN_FINGERPRINT_XOR) >>> 0, out.length - 4);
  return out;
}

describe('batched sends (native sendmmsg)', { skip: nativeUdpBatchSend() === null ? 'the native core is not in use' : false }, () => {
  test('every send goes out in order with one flush per incoming datagram; a packet outside the slots is copied into one', async () => {
    const batchRegistry = new IceRegistry();
    const batched = await UdpMux.open({ registry: batchRegistry, bindAddress: '127.0.0.1' });
    const slots = new PacketSlots(64);
    batched.enableBatching(nativeUdpBatchSend()!, slots);
    assert.equal(batched.batching, true);
    const owner = new RecordingOwner(batchRegistry);
    const p = await IceTestPeer.udp(batched.port);
    try {
      assert.ok(await p.check({ serverUfrag: owner.ufrag, serverPassword: owner.password, useCandidate: true }));
      const path = owner.endpoint.selected!;
      // A fan-out while a datagram is handled: 40 packets, sent when the handler returns.
      owner.onPacket = () => {
        for (let i = 0; i < 40; i++) {
          const slot = slots.take();
          RTP.copy(slot);
          slot.writeUInt16BE(i, 2);
          path.send(slot, RTP.length);
        }
        path.send(DTLS, DTLS.length); // not in a slot: copied into the next, and sent in the same batch
      };
      p.send(RTP);
      await until(() => p.received.length === 41, '41 datagrams');
      assert.deepEqual(p.received.slice(0, 40).map((b) => b.readUInt16BE(2)), [...Array(40).keys()]);
      assert.ok(p.received.slice(0, 40).every((b) => b.subarray(4).equals(RTP.subarray(4))));
      assert.deepEqual(p.received[40], DTLS);
      // Outside a datagram's handling (a timer): flushed on the next turn of the event loop.
      owner.onPacket = undefined;
      const slot = slots.take();
      RTP.copy(slot);
      path.send(slot, RTP.length);
      await until(() => p.received.length === 42, 'a timer send');
      assert.equal(batched.stats.sendsDropped, 0);
    } finally {
      p.close();
      owner.endpoint.close();
      await batched.close();
    }
  });
});

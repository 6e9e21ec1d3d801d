import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { shortTermKey, StunClass, verifyStunIntegrity } from '@confab/wire';
import { IceRegistry } from './IceRegistry';
import { TcpMux } from './TcpMux';
import { IceTestPeer } from './testing/IceTestPeer';
import { RecordingOwner } from './testing/RecordingOwner';

/** ICE-TCP passive over real loopback connections, RFC 4571 framing both ways. */

const RTP = Buffer.from('80600001000000010000000a' + 'ab'.repeat(40), 'hex');

let registry: IceRegistry;
let mux: TcpMux;

async function until(condition: () => boolean, what: string, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe('TcpMux', () => {
  before(async () => {
    registry = new IceRegistry();
    mux = await TcpMux.open({ registry, bindAddress: '127.0.0.1', unvalidatedTimeoutMs: 300 });
  });
  after(async () => {
    await mux.close();
  });

  test('the first framed check routes the connection by USERNAME; frames flow both ways after it', async () => {
    const a = new RecordingOwner(registry);
    const b = new RecordingOwner(registry);
    const pa = await IceTestPeer.tcp(mux.port);
    const pb = await IceTestPeer.tcp(mux.port);
    const ra = await pa.check({ serverUfrag: a.ufrag, serverPassword: a.password, useCandidate: true });
    const rb = await pb.check({ serverUfrag: b.ufrag, serverPassword: b.password, useCandidate: true });
    assert.equal(ra?.msg.messageClass, StunClass.SuccessResponse);
    assert.ok(verifyStunIntegrity(ra!.buf, ra!.msg, shortTermKey(a.password)));
    assert.equal(rb?.msg.messageClass, StunClass.SuccessResponse);
    assert.equal(a.endpoint.selected?.protocol, 'tcp');

    pa.send(RTP);
    await until(() => a.packets.length === 1, 'frame at A');
    assert.deepEqual(a.packets[0]!.buf, RTP);
    assert.equal(b.packets.length, 0);

    a.endpoint.selected!.send(RTP, 30);
    await until(() => pa.received.length === 1, 'frame at peer A');
    assert.deepEqual(pa.received[0], RTP.subarray(0, 30));
    pa.close();
    pb.close();
    a.endpoint.close();
    b.endpoint.close();
  });

  test('frames split across segments and several frames in one segment are reassembled', async () => {
    const owner = new RecordingOwner(registry);
    const p = await IceTestPeer.tcp(mux.port);
    await p.check({ serverUfrag: owner.ufrag, serverPassword: owner.password });
    const frame = (n: number) => {
      const body = Buffer.from(RTP);
      body.writeUInt16BE(n, 2); // sequence number tells the frames apart
      return Buffer.concat([Buffer.from([body.length >> 8, body.length & 0xff]), body]);
    };
    const stream = Buffer.concat([frame(1), frame(2), frame(3)]);
    // Byte by byte for the first frame, then the rest in one write.
    for (let i = 0; i < frame(1).length; i++) {
      p.socket.write(stream.subarray(i, i + 1));
      await new Promise((resolve) => setImmediate(resolve));
    }
    p.socket.write(stream.subarray(frame(1).length));
    await until(() => owner.packets.length === 3, 'three frames');
    assert.deepEqual(owner.packets.map((x) => x.buf.readUInt16BE(2)), [1, 2, 3]);
    p.close();
    owner.endpoint.close();
  });

  test('a connection whose first frame names no known ufrag is ignored, then closed', async () => {
    const known = new RecordingOwner(registry);
    const p = await IceTestPeer.tcp(mux.port);
    const closed = new Promise<void>((resolve) => p.socket.once('close', () => resolve()));
    assert.equal(await p.check({ serverUfrag: 'nobody00', serverPassword: known.password }, 200), null);
    p.send(RTP);
    await closed; // unvalidatedTimeoutMs
    assert.equal(known.packets.length, 0);
    known.endpoint.close();
  });

  test('garbage instead of a check: nothing is routed and the connection is closed', async () => {
    const socket = connect(mux.port, '127.0.0.1');
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    socket.on('error', () => {});
    socket.write(Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n'));
    await closed;
    assert.ok(mux.stats.framesDropped > 0);
  });

  test('the peer closing its connection tells the endpoint, which loses the selected path', async () => {
    const owner = new RecordingOwner(registry);
    const p = await IceTestPeer.tcp(mux.port);
    await p.check({ serverUfrag: owner.ufrag, serverPassword: owner.password, useCandidate: true });
    assert.equal(owner.endpoint.selected?.protocol, 'tcp');
    p.socket.end();
    await until(() => owner.closedPaths.length === 1, 'path closed');
    assert.equal(owner.endpoint.selected, null);
    assert.deepEqual(owner.selections.at(-1), null);
    owner.endpoint.close();
  });

  test('closing the endpoint closes its connections', async () => {
    const owner = new RecordingOwner(registry);
    const p = await IceTestPeer.tcp(mux.port);
    const closed = new Promise<void>((resolve) => p.socket.once('close', () => resolve()));
    await p.check({ serverUfrag: owner.ufrag, serverPassword: owner.password });
    owner.endpoint.close();
    await closed;
    await until(() => mux.openConnections === 0, 'no connections left');
  });
});

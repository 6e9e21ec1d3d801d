import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeClientMessage } from './codec';
import { encodeHeartbeatPing, readHeartbeatPing } from './heartbeat';

const bytes = (text: string) => new TextEncoder().encode(text);

/** The fast path must never disagree with the schema: same message, or leave the frame to it. */
function assertAgreesWithSchema(text: string): void {
  const fast = readHeartbeatPing(bytes(text));
  if (fast === undefined) return;
  const decoded = decodeClientMessage(text);
  assert.ok(decoded.ok, `read ${JSON.stringify(text)} that the schema refuses`);
  assert.deepEqual(fast, decoded.message, `read ${JSON.stringify(text)} differently from the schema`);
}

test('reads both pings the SDK writes, as the schema does', () => {
  for (const lastSeq of [0, 1, 9, 10, 4711, 2 ** 31, 999_999_999_999_999]) {
    for (const reply of [true, false]) {
      const text = encodeHeartbeatPing(lastSeq, reply);
      const fast = readHeartbeatPing(bytes(text));
      assert.deepEqual(fast, reply ? { type: 'ping', lastSeq } : { type: 'ping', lastSeq, reply: false }, text);
      assertAgreesWithSchema(text);
    }
  }
});

test('leaves every other frame to the schema', () => {
  const others = [
    '',
    '{"type":"ping"}',
    '{"type":"ping","lastSeq":}',
    '{"type":"ping","lastSeq":07}',
    '{"type":"ping","lastSeq":-1}',
    '{"type":"ping","lastSeq":1.5}',
    '{"type":"ping","lastSeq":1e3}',
    '{"type":"ping","lastSeq":1234567890123456}', // 16 digits: past what the fast path vouches for
    '{"type":"ping","lastSeq":3,"reply":true}',
    '{"type":"ping","lastSeq":3,"reply":false,"id":2}',
    '{"type":"ping","lastSeq":3,"reply":false}x',
    '{"type":"ping","lastSeq":3}}',
    '{"type":"ping","lastSeq":3 }',
    '{ "type":"ping","lastSeq":3}',
    '{"lastSeq":3,"type":"ping"}',
    '{"type":"pong","lastSeq":3}',
    '{"type":"ping","lastSeq":3,"reply":fals}',
  ];
  for (const text of others) assert.equal(readHeartbeatPing(bytes(text)), undefined, text);
});

test('agrees with the schema on every frame one edit away from a real ping', () => {
  // Seeded, so that a failure can be replayed.
  let seed = 14;
  const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const alphabet = '{}":,0123456789-.e truefalspingyqS';
  for (let n = 0; n < 20_000; n++) {
    const base = encodeHeartbeatPing(Math.floor(random() * 1e6), random() < 0.5);
    const at = Math.floor(random() * (base.length + 1));
    const char = alphabet[Math.floor(random() * alphabet.length)]!;
    const edit = Math.floor(random() * 3);
    const text = edit === 0 ? base.slice(0, at) + char + base.slice(at) : edit === 1 ? base.slice(0, at) + base.slice(at + 1) : base.slice(0, at) + char + base.slice(at + 1);
    assertAgreesWithSchema(text);
  }
});

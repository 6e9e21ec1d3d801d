import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildStun } from './buildStun';
import { StunClass } from './constants';
import { shortTermKey, verifyStunFingerprint, verifyStunIntegrity } from './integrity';
import { parseStun } from './parseStun';
import { RFC5769_IPV4_RESPONSE, RFC5769_IPV6_RESPONSE, RFC5769_LONG_TERM_REQUEST, RFC5769_REQUEST } from './rfc5769.fixtures';
import { seededRandom } from '../fixtures/fuzz';

/**
 * Seeded fuzzing of the parser and the verifiers: random bytes, and mutations of valid messages
 * (bit flips, byte overwrites, truncation, length-field edits, spliced attributes). Nothing may
 * throw, a parsed message must stay inside its buffer, and the buffer must come back unchanged.
 * Reproduce a failure with CONFAB_FUZZ_SEED=<seed printed in the assertion>.
 */
const SEED = Number(process.env['CONFAB_FUZZ_SEED'] ?? 0x5eed5);
const ROUNDS = 20_000;


const key = shortTermKey('VOkJxbRl1RmTxUk/WvJxBt');
const TID = Buffer.from('0a0b0c0d0e0f101112131415', 'hex');
const corpus: Buffer[] = [
  RFC5769_REQUEST,
  RFC5769_IPV4_RESPONSE,
  RFC5769_IPV6_RESPONSE,
  RFC5769_LONG_TERM_REQUEST,
  buildStun({
    messageClass: StunClass.Request,
    transactionId: TID,
    username: 'abcd:efgh',
    priority: 12345,
    useCandidate: true,
    iceControlling: 7n,
    integrityKey: key,
    fingerprint: true,
  }),
  buildStun({
    messageClass: StunClass.ErrorResponse,
    transactionId: TID,
    errorCode: { code: 487, reason: 'Role Conflict' },
    unknownAttributes: [1, 2, 3],
    integrityKey: key,
    fingerprint: true,
  }),
];

function check(input: Buffer, seed: number, round: number): void {
  const before = Buffer.from(input);
  const where = `seed ${seed} round ${round} input ${input.toString('hex').slice(0, 200)}`;
  let msg;
  try {
    msg = parseStun(input);
    if (msg) {
      verifyStunIntegrity(input, msg, key);
      verifyStunFingerprint(input, msg);
    }
  } catch (err) {
    assert.fail(`threw ${String(err)} at ${where}`);
  }
  if (msg) {
    assert.ok(msg.length <= input.length && msg.length >= 20, where);
    assert.ok(msg.integrityOffset < msg.length && msg.fingerprintOffset < msg.length, where);
    assert.ok((msg.unknownRequired?.length ?? 0) <= msg.length / 4, where);
    assert.ok((msg.username?.length ?? 0) <= 512, where);
  }
  assert.ok(input.equals(before), `parser wrote into its input at ${where}`);
}

function mutate(random: () => number, source: Buffer): Buffer {
  const buf = Buffer.from(source);
  const pick = (n: number) => Math.floor(random() * n);
  switch (pick(6)) {
    case 0: // flip bits
      for (let i = 1 + pick(4); i > 0; i--) buf[pick(buf.length)]! ^= 1 << pick(8);
      return buf;
    case 1: // overwrite bytes with extremes or random values
      for (let i = 1 + pick(4); i > 0; i--) buf[pick(buf.length)] = [0, 0xff, 0x7f, 0x80, pick(256)][pick(5)]!;
      return buf;
    case 2: // truncate
      return buf.subarray(0, pick(buf.length + 1));
    case 3: // message length field
      if (buf.length >= 4) buf.writeUInt16BE(pick(4) === 0 ? pick(65536) : (buf.length - 20 + 4 * (pick(5) - 2)) & 0xffff, 2);
      return buf;
    case 4: {
      // an attribute's length field (attribute headers sit at 4-byte boundaries after the header)
      const at = 20 + 4 * pick(Math.max(1, (buf.length - 20) >> 2));
      if (at + 4 <= buf.length) buf.writeUInt16BE(pick(3) === 0 ? pick(65536) : pick(64), at + 2);
      return buf;
    }
    default: {
      // splice: the head of one message onto the tail of another
      const other = corpus[pick(corpus.length)]!;
      return Buffer.concat([buf.subarray(0, pick(buf.length)), other.subarray(pick(other.length))]);
    }
  }
}

test(`fuzz: random datagrams never throw (seed ${SEED})`, () => {
  const random = seededRandom(SEED);
  for (let round = 0; round < ROUNDS; round++) {
    const length = Math.floor(random() * 200);
    const buf = Buffer.alloc(length);
    for (let i = 0; i < length; i++) buf[i] = Math.floor(random() * 256);
    // Half of them get a STUN-looking header so the attribute walk is reached.
    if (length >= 20 && random() < 0.5) {
      buf[0] = buf[0]! & 0x03;
      buf.writeUInt32BE(0x2112a442, 4);
      if (random() < 0.5) buf.writeUInt16BE((length - 20) & ~3, 2);
    }
    check(buf, SEED, round);
  }
});

test(`fuzz: mutated valid messages never throw (seed ${SEED})`, () => {
  const random = seededRandom(SEED + 1);
  let parsed = 0;
  for (let round = 0; round < ROUNDS; round++) {
    let buf = corpus[Math.floor(random() * corpus.length)]!;
    for (let n = 1 + Math.floor(random() * 3); n > 0; n--) buf = mutate(random, buf);
    check(buf, SEED + 1, round);
    if (parseStun(buf)) parsed++;
  }
  // The mutations must leave enough messages parseable to exercise the attribute readers.
  assert.ok(parsed > ROUNDS / 10, `only ${parsed} of ${ROUNDS} mutated messages parsed`);
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeServerMessage, type ServerMessage } from '@confab/protocol';
import { relayFrames } from './relayFraming';
import { MESSAGE_MAX_LINKS, relayFrame, type RelayItem } from './relayMessages';
import { RelayOutbox, type Delivery } from './relayOutbox';

const FROM = 'node-a#0123abcd';
const link = (i: number) => `node-b#89abcdef.${i}`;
type Chat = Extract<ServerMessage, { type: 'chat' }>;
const chat = (text: string): Chat => ({ type: 'chat', messageId: 'M1', participantId: 'PA_1' as Chat['participantId'], name: 'Ann', text, time: 1 });
/** The text of a chat message on the wire. */
const textOf = (data: string) => {
  const decoded = decodeServerMessage(data);
  assert.ok(decoded.ok && decoded.message.type === 'chat', data);
  return decoded.message.text;
};
const ignore: Delivery = () => undefined;

/** The items as the receiving node reads them, through the frames that carry them. */
function received(outbox: RelayOutbox): { items: RelayItem[]; bytes: number } {
  const frames = relayFrames(FROM, outbox.contents().items);
  return { items: frames.flatMap((f) => relayFrame.parse(JSON.parse(f.payload)).items), bytes: frames.reduce((sum, f) => sum + f.payload.length, 0) };
}

test("a room's broadcast to 200 sockets of one node travels as one item carrying the message once", () => {
  const outbox = new RelayOutbox();
  const message = chat('x'.repeat(4_000));
  const told: string[] = [];
  for (let i = 1; i <= 200; i++) outbox.addMessage(link(i), message, 10 + i, i, (delivered) => void (delivered && told.push(link(i))));
  const { items, bytes } = received(outbox);
  assert.equal(items.length, 1);
  const item = items[0]!;
  assert.equal(item.kind, 'message');
  if (item.kind !== 'message') return;
  const decoded = decodeServerMessage(item.data);
  assert.ok(decoded.ok, decoded.ok ? '' : decoded.error.message);
  assert.deepEqual(decoded.message, message);
  assert.equal(decoded.seq, undefined, 'each socket has its own seq, next to its link');
  assert.deepEqual(item.to, Array.from({ length: 200 }, (_, i) => ({ link: link(i + 1), seq: 11 + i, n: i + 1 })));
  assert.ok(bytes < 4_000 + 200 * 60, `${bytes} bytes on the wire`);
  for (const delivered of outbox.contents().deliveries[0]!) delivered(true);
  assert.equal(told.length, 200, 'every socket learns its message was delivered');
});

test("each socket's items keep their order, whatever else shares the batch", () => {
  const outbox = new RelayOutbox();
  const m1 = chat('one');
  const m2 = chat('two');
  const queued = new Map<string, string[]>();
  const note = (l: string, what: string) => queued.set(l, [...(queued.get(l) ?? []), what]);
  const message = (l: string, m: ServerMessage, name: string) => {
    outbox.addMessage(l, m, undefined, undefined, ignore);
    note(l, name);
  };
  message(link(1), m1, 'm1');
  message(link(2), m1, 'm1');
  message(link(1), m2, 'm2');
  message(link(3), m1, 'm1'); // nothing for link 3 since: it joins m1's item
  outbox.add({ kind: 'end', link: link(2), reason: 'moved' }, ignore);
  note(link(2), 'end');
  message(link(2), m2, 'm2'); // after its `end`: must not join m2's earlier item
  message(link(1), m1, 'm1'); // again: a second item, after link 1's m2
  const { items } = received(outbox);
  const got = new Map<string, string[]>();
  for (const item of items) {
    if (item.kind === 'message') {
      const name = textOf(item.data) === 'one' ? 'm1' : 'm2';
      for (const t of item.to) got.set(t.link, [...(got.get(t.link) ?? []), name]);
    } else if (item.kind === 'end') got.set(item.link, [...(got.get(item.link) ?? []), 'end']);
  }
  assert.deepEqual(got, queued);
  assert.equal(items.length, 5, `items: ${items.map((i) => i.kind).join(',')}`);
});

test('a broadcast to more sockets than one item may name takes several items, each valid for the receiver', () => {
  const outbox = new RelayOutbox();
  const message = chat('hello');
  const count = 2 * MESSAGE_MAX_LINKS + 500;
  for (let i = 1; i <= count; i++) outbox.addMessage(link(i), message, i, i, ignore);
  const { items } = received(outbox);
  assert.equal(items.length, 3);
  assert.deepEqual(
    items.flatMap((item) => (item.kind === 'message' ? item.to.map((t) => t.link) : [])),
    Array.from({ length: count }, (_, i) => link(i + 1)),
  );
  assert.deepEqual(outbox.contents().deliveries.map((d) => d.length), [MESSAGE_MAX_LINKS, MESSAGE_MAX_LINKS, 500]);
});

test('a message is encoded as it was when queued', () => {
  const outbox = new RelayOutbox();
  const message = { ...chat('before') };
  outbox.addMessage(link(1), message, 1, 1, ignore);
  message.text = 'after';
  const item = received(outbox).items[0]!;
  assert.ok(item.kind === 'message');
  assert.equal(textOf(item.data), 'before');
});

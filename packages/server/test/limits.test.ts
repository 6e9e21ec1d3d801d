/**
 * Every limit of docs/reliability.md "Limits and abuse", against a real node: what the client gets
 * when it hits one, that nobody else is affected, and that the limit lets go when it should.
 */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { parsePrometheus, waitUntil } from '@confab/loadtest';
import { startTestServer, type TestServer } from './support/testServer';
import { WsClient } from './support/wsClient';

const servers: TestServer[] = [];
const clients: WsClient[] = [];
after(async () => {
  for (const c of clients) c.close();
  await Promise.all(servers.map((s) => s.stop()));
});

async function server(env: Record<string, string>): Promise<TestServer> {
  const s = await startTestServer(env);
  servers.push(s);
  return s;
}

async function client(s: TestServer, options: Parameters<typeof WsClient.open>[1] = {}): Promise<WsClient> {
  const c = await WsClient.open(s.wsUrl, options);
  clients.push(c);
  return c;
}

async function metric(s: TestServer, name: string): Promise<number | undefined> {
  return parsePrometheus(await (await fetch(`${s.httpUrl}/metrics`)).text()).get(name);
}

test('rooms per node: a join that would open one room too many gets resource_exhausted; existing rooms still take joins', async () => {
  const s = await server({ CONFAB_MAX_ROOMS: '2' });
  const [ann, bob, carl, dave] = [await client(s), await client(s), await client(s), await client(s)];
  await ann.join('room-a', 'Ann');
  await bob.join('room-b', 'Bob');
  carl.send({ type: 'join', id: 1, v: 1, room: 'room-c', name: 'Carl' });
  const refused = await carl.next('error', (m) => m.id === 1);
  assert.equal(refused.code, 'resource_exhausted');
  assert.match(refused.message, /limit of 2 rooms/);
  assert.equal(s.server.directory.roomCount, 2, 'the refused join opened no room');
  await dave.join('room-a', 'Dave');
  assert.equal(s.server.directory.get('room-a' as never)?.size, 2);

  // Once a room closes there is space again, and the refused client may simply try again.
  bob.close();
  await waitUntil(() => s.server.directory.roomCount === 1, 5000, 'room-b closed');
  const joined = await carl.join('room-c', 'Carl', 2);
  assert.equal(joined.room, 'room-c');
});

test('connections per IP: the one past the limit is told why and closed with 1013; closing frees the slot', async () => {
  const s = await server({ CONFAB_MAX_CONNECTIONS_PER_IP: '3' });
  const from = (localAddress: string) => client(s, { localAddress });
  const first = [await from('127.0.0.2'), await from('127.0.0.2'), await from('127.0.0.2')];
  const extra = await from('127.0.0.2');
  const refused = await extra.next('error');
  assert.equal(refused.code, 'resource_exhausted');
  assert.match(refused.message, /too many connections from your address \(limit 3\)/);
  assert.equal(await extra.closed(), 1013);
  assert.equal(extra.socket.readyState, extra.socket.CLOSED);
  assert.equal(await metric(s, 'confab_signal_connections_refused_total{reason="connections_per_ip"}'), 1);

  // Another address is counted apart.
  const other = await from('127.0.0.3');
  await other.join('elsewhere', 'Olga');

  // Every way of closing gives the slot back: a clean close, a dropped socket, a close by the server.
  const [clean, dropped, oversized] = first as [WsClient, WsClient, WsClient];
  clean.close();
  dropped.socket.terminate();
  oversized.send('x'.repeat(300_000));
  assert.equal(await oversized.closed(), 1009);
  for (let tries = 0; (await metric(s, 'confab_signal_connections')) !== 1; tries++) {
    assert.ok(tries < 100, 'the three closed connections are gone within 5 s');
    await sleep(50);
  }
  const again = [await from('127.0.0.2'), await from('127.0.0.2'), await from('127.0.0.2')];
  for (const c of again) {
    c.send({ type: 'ping', id: 7 });
    await c.next('pong', (m) => m.id === 7);
  }
});

test('Origin, by default: localhost pages, the server\'s own page and non-browser clients get in; other sites get 403, logged', async () => {
  const s = await server({});
  for (const origin of [undefined, 'http://localhost:5173', `http://127.0.0.1:${s.port}`]) {
    const c = await client(s, origin === undefined ? {} : { origin });
    c.send({ type: 'ping', id: 1 });
    await c.next('pong', (m) => m.id === 1);
  }
  await assert.rejects(client(s, { origin: 'https://evil.example' }), /Unexpected server response: 403/);
  assert.equal(await metric(s, 'confab_signal_connections_refused_total{reason="origin"}'), 1);
  const logged = s.logs.find((line) => line['origin'] === 'https://evil.example');
  assert.ok(logged, 'the refusal is logged with the origin');
  assert.match(String(logged['msg']), /origin not in CONFAB_ALLOWED_ORIGINS/);
  assert.equal(logged['address'], '127.0.0.1');
});

test('Origin, with CONFAB_ALLOWED_ORIGINS: the listed origins and the server\'s own page, nothing else', async () => {
  const s = await server({ CONFAB_ALLOWED_ORIGINS: 'https://app.example' });
  for (const origin of ['https://app.example', `http://127.0.0.1:${s.port}`]) {
    const c = await client(s, { origin });
    c.send({ type: 'ping', id: 1 });
    await c.next('pong', (m) => m.id === 1);
  }
  for (const origin of ['http://localhost:5173', 'http://app.example', 'null']) {
    await assert.rejects(client(s, { origin }), /403/, origin);
  }
});

test('names and chat past the configured lengths get invalid_argument naming the limit; nobody sees them', async () => {
  const s = await server({ CONFAB_MAX_NAME_LENGTH: '8', CONFAB_MAX_CHAT_LENGTH: '20' });
  const [ann, bob] = [await client(s), await client(s)];
  ann.send({ type: 'join', id: 1, v: 1, room: 'lengths', name: 'Annabelle' });
  const longName = await ann.next('error', (m) => m.id === 1);
  assert.equal(longName.code, 'invalid_argument');
  assert.equal(longName.message, 'name must be at most 8 characters on this server (got 9)');
  await ann.join('lengths', 'Annabel', 2);
  await bob.join('lengths', 'Bob');

  ann.send({ type: 'chat', id: 3, text: 'x'.repeat(21) });
  const longChat = await ann.next('error', (m) => m.id === 3);
  assert.equal(longChat.code, 'invalid_argument');
  assert.equal(longChat.message, 'chat messages must be at most 20 characters on this server (got 21)');
  ann.send({ type: 'chat', id: 4, text: 'y'.repeat(20) });
  await ann.next('ack', (m) => m.id === 4);
  await bob.next('chat');
  assert.deepEqual(bob.all('chat').map((m) => m.text), ['y'.repeat(20)], 'only the chat within the limit went out');
  assert.equal(ann.closeCode, undefined, 'the connection stays open');
});

test('message size: a frame past CONFAB_MAX_MESSAGE_BYTES closes that connection with 1009; one at the limit is fine', async () => {
  const s = await server({ CONFAB_MAX_MESSAGE_BYTES: '16384' });
  const [ann, bob, mallory] = [await client(s), await client(s), await client(s)];
  await ann.join('sizes', 'Ann');
  await bob.join('sizes', 'Bob');
  const ping = '{"type":"ping","id":1}';
  mallory.send(ping + ' '.repeat(16384 - ping.length));
  await mallory.next('pong', (m) => m.id === 1);
  mallory.send(ping + ' '.repeat(16385 - ping.length));
  assert.equal(await mallory.closed(), 1009);
  ann.send({ type: 'chat', id: 2, text: 'still here' });
  assert.equal((await bob.next('chat')).text, 'still here');
});

test('rate: past the burst, each message gets rate_limited until tokens come back', async () => {
  const s = await server({ CONFAB_MESSAGE_RATE: '5', CONFAB_MESSAGE_BURST: '10', CONFAB_MAX_INVALID_MESSAGES: '1000' });
  const c = await client(s);
  for (let i = 0; i < 30; i++) c.send({ type: 'ping', id: i });
  await waitUntil(() => c.all('pong').length + c.all('error').length === 30, 5000, 'every message answered');
  const pongs = c.all('pong').length;
  assert.ok(pongs >= 10 && pongs <= 12, `the burst of 10 (and what refilled meanwhile) got through: ${pongs}`);
  for (const error of c.all('error')) {
    assert.equal(error.code, 'rate_limited');
    assert.match(error.message, /too many messages/);
  }
  await sleep(500); // 5 per second: two or three tokens back
  c.send({ type: 'ping', id: 99 });
  await c.next('pong', (m) => m.id === 99);
  assert.equal(c.closeCode, undefined);
});

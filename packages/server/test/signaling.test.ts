import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { waitUntil } from '@confab/loadtest';
import { MAX_MESSAGE_BYTES } from '@confab/protocol';
import { signalingCases } from './support/signalingCases';
import { startTestServer, type TestServer } from './support/testServer';
import { WsClient } from './support/wsClient';

let t: TestServer;
const clients: WsClient[] = [];
before(async () => {
  t = await startTestServer({ CONFAB_MAX_PARTICIPANTS_PER_ROOM: '3' });
});
after(async () => {
  for (const c of clients) c.close();
  await t.stop();
});

async function client(): Promise<WsClient> {
  const c = await WsClient.open(t.wsUrl);
  clients.push(c);
  return c;
}

let roomCounter = 0;
const freshRoom = () => `room-${process.pid}-${++roomCounter}`;

signalingCases({
  client,
  roomsNamed: (room) => [...t.server.directory.rooms()].filter((r) => r.name === room && !r.isClosed),
  freshRoom,
});

test('HTTP: health, metrics, the app at / and /r/<room>, 404 elsewhere', async () => {
  const health = await fetch(`${t.httpUrl}/healthz`);
  assert.equal(health.status, 200);
  const metrics = await (await fetch(`${t.httpUrl}/metrics`)).text();
  assert.match(metrics, /^confab_rooms\{node="node-[0-9a-f]{6}"\} \d+$/m);
  assert.match(metrics, /^confab_participants\{node="node-[0-9a-f]{6}"\} \d+$/m);
  for (const path of ['/', '/r/test', '/r/any-room.1']) {
    const res = await fetch(`${t.httpUrl}${path}`);
    assert.equal(res.status, 200, path);
    assert.match(res.headers.get('content-type') ?? '', /text\/html/);
    assert.match(await res.text(), /<title>Confab/);
  }
  assert.match((await fetch(`${t.httpUrl}/app.js`)).headers.get('content-type') ?? '', /javascript/);
  for (const path of ['/nope', '/..%2f..%2fetc%2fpasswd', '/r/a/b']) {
    assert.equal((await fetch(`${t.httpUrl}${path}`)).status, 404, path);
  }
});

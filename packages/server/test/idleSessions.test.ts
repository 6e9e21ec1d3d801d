/**
 * What a joined participant who does nothing costs the server (issue 14: <= 20 KB each, measured
 * by `npm run bench:signal`). The real server runs in its own process, with its media workers, as
 * deployed; its memory is read through its inspector after a full GC. The bound is generous, to
 * catch a regression such as transports made at join again (~125 KB a session), not to measure.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { INSPECTOR_LINE, ServerInspector, ServerProcess } from '@confab/loadtest';
import { WsClient } from './support/wsClient';

const SESSIONS = 1_000;
const ROOM_SIZE = 10;
/** Bytes of server RSS per idle session at most; the benchmark measures ~11 KB. */
const BOUND_BYTES = 48 * 1024;

let server: ServerProcess;
let inspector: ServerInspector;
const clients: WsClient[] = [];

before(async () => {
  process.env['CONFAB_SERVER_NODE_ARGS'] = '--inspect=127.0.0.1:0';
  let url: string | undefined;
  server = await ServerProcess.start({
    env: { CONFAB_MAX_CONNECTIONS_PER_IP: '0', CONFAB_MAX_ROOMS: '1000' },
    onLine: (line) => (url ??= INSPECTOR_LINE.exec(line)?.[1]),
  });
  delete process.env['CONFAB_SERVER_NODE_ARGS'];
  assert.ok(url, 'the server printed its inspector address');
  inspector = await ServerInspector.connect(url);
});
after(async () => {
  for (const c of clients) c.close();
  inspector?.close();
  await server?.stop();
});

async function joinRoom(room: string): Promise<void> {
  const members = await Promise.all(Array.from({ length: ROOM_SIZE }, () => WsClient.open(server.rtcUrl)));
  clients.push(...members);
  for (const [k, member] of members.entries()) await member.join(room, `${room}-${k}`);
}

test(`${SESSIONS} joined, idle sessions in rooms of ${ROOM_SIZE} cost the server at most ${BOUND_BYTES / 1024} KB each`, async () => {
  await joinRoom('warm-up'); // join's code paths compiled, lazy start-up done, before the baseline
  await sleep(500);
  const heapBefore = await inspector.memoryAfterGc();
  const rssBefore = server.rss();
  for (let r = 0; r < SESSIONS / ROOM_SIZE; r++) await joinRoom(`idle-${r}`);
  await sleep(1_000);
  const heapIdle = await inspector.memoryAfterGc();
  const perSession = (server.rss() - rssBefore) / SESSIONS;
  const heapPerSession = (heapIdle.heapUsed + heapIdle.external - heapBefore.heapUsed - heapBefore.external) / SESSIONS;
  console.log(`# ${SESSIONS} idle sessions: ${(perSession / 1024).toFixed(1)} KB RSS, ${(heapPerSession / 1024).toFixed(1)} KB heap + external each`);
  assert.equal(clients.filter((c) => c.closeCode !== undefined).length, 0, 'every session still connected');
  assert.ok(perSession <= BOUND_BYTES, `${(perSession / 1024).toFixed(1)} KB per idle session (bound ${BOUND_BYTES / 1024} KB)`);
});

import { after, before } from 'node:test';
import { RESUME_TEST_ENV, RESUME_TEST_HEARTBEAT_MS, resumeCases } from './support/resumeCases';
import { startTestServer, type TestServer } from './support/testServer';
import { WsClient } from './support/wsClient';

let t: TestServer;
const clients: WsClient[] = [];
before(async () => {
  t = await startTestServer(RESUME_TEST_ENV);
});
after(async () => {
  for (const c of clients) c.close();
  await t.stop();
});

let roomCounter = 0;
resumeCases({
  async client(options: { silent?: boolean } = {}) {
    const c = await WsClient.open(t.wsUrl, { heartbeatMs: RESUME_TEST_HEARTBEAT_MS, ...options });
    clients.push(c);
    return c;
  },
  roomsNamed: (room) => [...t.server.directory.rooms()].filter((r) => r.name === room && !r.isClosed),
  freshRoom: () => `resume-${process.pid}-${++roomCounter}`,
});

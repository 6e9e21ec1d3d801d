/**
 * The admin API (/api/v1) of one node in token mode, end to end: AdminClient calls and raw HTTP
 * against a real server, headless participants in the rooms (adminApiCases); then what open mode
 * and /metrics say of it.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { TOKEN_MODE_ENV } from './support/accessCases';
import { adminApiCases, adminFor } from './support/adminApiCases';
import { startTestServer, type TestServer } from './support/testServer';
import { WsClient } from './support/wsClient';

let server: TestServer;
const clients: WsClient[] = [];
before(async () => {
  server = await startTestServer({ ...TOKEN_MODE_ENV });
});
after(async () => {
  for (const c of clients) c.close();
  await server.stop();
});

let roomCounter = 0;
const target = {
  async client() {
    const c = await WsClient.open(server.wsUrl);
    clients.push(c);
    return c;
  },
  freshRoom: () => `admin-${process.pid}-${++roomCounter}`,
  apiUrl: () => server.httpUrl,
};

adminApiCases(target);

test('open mode: no API keys, so the admin API refuses every call but its OpenAPI document', async (t) => {
  const open = await startTestServer();
  t.after(() => open.stop());
  const refused = await fetch(`${open.httpUrl}/api/v1/rooms`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"name":"x"}' });
  assert.deepEqual([refused.status, await refused.json()], [403, { error: { code: 'permission_denied', message: 'the admin API needs API keys: set CONFAB_API_KEYS' } }]);
  const document = await fetch(`${open.httpUrl}/api/v1/openapi.json`);
  assert.equal(document.status, 200);
  assert.equal(((await document.json()) as { openapi: string }).openapi, '3.1.0');
  // Paths beside the API are still the web app's.
  assert.equal((await fetch(`${open.httpUrl}/`)).status, 200);
});

test('/metrics counts admin API calls by route template, method and status, labelled with the node', async () => {
  await adminFor(target, 'nowhere').listRooms();
  await adminFor(target, 'nowhere').getRoom('nowhere').catch(() => undefined);
  const metrics = await (await fetch(`${server.httpUrl}/metrics`)).text();
  assert.match(metrics, /^confab_admin_api_requests_total\{[^}]*route="\/api\/v1\/rooms",method="GET",status="200"[^}]*node="[^"]+"[^}]*\} [1-9]/m);
  assert.match(metrics, /^confab_admin_api_requests_total\{[^}]*route="\/api\/v1\/rooms\/\{room\}",method="GET",status="404"[^}]*\} [1-9]/m);
  assert.doesNotMatch(metrics, /route="[^"]*nowhere/);
});

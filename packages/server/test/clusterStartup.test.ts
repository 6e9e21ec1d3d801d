/**
 * Start-up checks in cluster mode, on the real server process (main.ts): a Redis that is not there
 * yet is waited for, saying so on each try; a Redis that wants a password we lack or refuses ours,
 * or a node id already in use, stops start-up with one line that says what to fix.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { freePort, RedisProcess, ServerProcess } from '@confab/loadtest';
import { startClusterNode, type ClusterNode } from './support/clusterNodes';

const env = (redisUrl: string, extra: Record<string, string> = {}) => ({ CONFAB_REDIS_URL: redisUrl, CONFAB_MEDIA_WORKERS: '0', ...extra });

let locked: RedisProcess;
before(async () => {
  locked = await RedisProcess.start({ password: 's3cret pass' });
});
after(async () => {
  await locked.close();
});

test('Redis not there yet: the node says so on every try, and starts once Redis is up', async () => {
  const port = await freePort();
  const TRYING = 'cannot reach Redis (CONFAB_REDIS_URL): ECONNREFUSED; trying again in 2 s';
  let secondTry: () => void;
  const triedTwice = new Promise<void>((resolve) => (secondTry = resolve));
  let tries = 0;
  const starting = ServerProcess.start({
    env: env(`redis://127.0.0.1:${port}`),
    readyTimeoutMs: 60_000,
    onLine: (line) => line.includes(TRYING) && ++tries === 2 && secondTry(),
  });
  await triedTwice;
  const redis = await RedisProcess.start({ port });
  try {
    const node = await starting;
    try {
      assert.ok(node.output.filter((line) => line.includes(TRYING)).length >= 2, 'one line per try');
      assert.equal((await fetch(`${node.httpBase}/healthz`)).status, 200);
      assert.match(await redis.cli('KEYS', 'confab:node:*'), /confab:node:node-[0-9a-f]{6}/, 'registered once Redis was up');
    } finally {
      await node.stop();
    }
  } finally {
    await redis.close();
  }
});

test('a Redis that needs a password not given, or refuses the one given: one line saying so, exit 2', async () => {
  for (const [url, message] of [
    [locked.url(undefined, ''), /confab: Redis at redis:\/\/127\.0\.0\.1:\d+ needs a password: put it in CONFAB_REDIS_URL as redis:\/\/:<password>@host:port/],
    [locked.url(undefined, 'wrong'), /confab: Redis at redis:\/\/:\*\*\*@127\.0\.0\.1:\d+ refused the password in CONFAB_REDIS_URL \(WRONGPASS/],
  ] as const) {
    const url2 = url.replace('redis://:@', 'redis://');
    const error = await ServerProcess.start({ env: env(url2), readyTimeoutMs: 30_000 }).then(
      () => assert.fail('started without a usable Redis'),
      (e: Error) => e,
    );
    assert.match(error.message, /server exited with 2/);
    assert.match(error.message, message);
    assert.ok(!error.message.includes('wrong'), 'the password is never printed');
  }
  // With the password, it starts.
  const node = await ServerProcess.start({ env: env(locked.url()) });
  await node.stop();
});

test('a second node with the same CONFAB_NODE_ID: one line saying so, exit 2', async () => {
  const redis = await RedisProcess.start();
  let first: ClusterNode | undefined;
  try {
    first = await startClusterNode('twin', redis.url());
    const error = await ServerProcess.start({ env: env(redis.url(), { CONFAB_NODE_ID: 'twin' }), readyTimeoutMs: 30_000 }).then(
      () => assert.fail('two nodes with one id'),
      (e: Error) => e,
    );
    assert.match(error.message, /server exited with 2/);
    assert.match(error.message, /confab: another node is registered with CONFAB_NODE_ID=twin \(twin#[0-9a-f]{8}\); give each node its own id/);
  } finally {
    await first?.stop();
    await redis.close();
  }
});

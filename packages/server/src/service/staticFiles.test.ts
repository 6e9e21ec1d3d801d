import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { createStaticHandler } from './staticFiles';

test('/docs/deploy serves the deployment guide as readable text; app routes get index.html', async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'confab-static-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  writeFileSync(join(root, 'index.html'), '<!doctype html><title>app</title>');
  mkdirSync(join(root, 'docs'));
  writeFileSync(join(root, 'docs', 'deploy.md'), '# Deploying Confab\n');
  const serve = createStaticHandler(root);
  const server = createServer((req, res) => {
    void serve(req, res, new URL(req.url ?? '/', 'http://x').pathname).then((served) => {
      if (!served) res.writeHead(404).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => server.close());
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const guide = await fetch(`${base}/docs/deploy`);
  assert.equal(guide.status, 200);
  assert.equal(guide.headers.get('content-type'), 'text/plain; charset=utf-8');
  assert.equal(await guide.text(), '# Deploying Confab\n');
  const room = await fetch(`${base}/r/demo`);
  assert.match(await room.text(), /<title>app<\/title>/);
  assert.equal((await fetch(`${base}/docs/other`)).status, 404);
});

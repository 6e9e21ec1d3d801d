import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, type Config } from '../../src/service/config';
import { ConfabServer } from '../../src/service/ConfabServer';
import { createLogger } from '../../src/service/logger';
import { createTestEngine } from './engine';

/** A real node (HTTP, WebSocket, rooms, media of CONFAB_MEDIA_ENGINE) on a free loopback port. */
export async function startTestServer(env: Record<string, string> = {}) {
  const webDir = mkdtempSync(join(tmpdir(), 'confab-web-'));
  writeFileSync(join(webDir, 'index.html'), '<!doctype html><title>Confab</title>');
  writeFileSync(join(webDir, 'app.js'), 'console.log("app")');
  const config: Config = loadConfig({ CONFAB_HOST: '127.0.0.1', CONFAB_PORT: '0', CONFAB_LOG_LEVEL: 'silent', CONFAB_WEB_DIR: webDir, ...env });
  const logger = createLogger(config.logLevel);
  const media = await createTestEngine({ logger });
  const server = new ConfabServer(config, media, logger);
  const address = await server.listen();
  return {
    server,
    media,
    httpUrl: `http://127.0.0.1:${address.port}`,
    wsUrl: `ws://127.0.0.1:${address.port}/rtc`,
    stop: () => server.shutdown(0),
  };
}
export type TestServer = Awaited<ReturnType<typeof startTestServer>>;

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import type { MediaEngine } from '../../src/media/types';
import { loadConfig, type Config } from '../../src/service/config';
import { createRoomRouter, type RoomRouter } from '../../src/cluster/index';
import { ConfabServer } from '../../src/service/ConfabServer';
import { roomOptionsFrom } from '../../src/service/roomOptions';
import { createTestEngine } from './engine';

export interface TestServerOptions {
  /** Wraps the real engine, e.g. to inject a fault into one room's media. */
  wrapMedia?: (engine: MediaEngine) => MediaEngine;
  /** Wraps the node's router, e.g. to carry signaling over a bus as a cluster does. */
  wrapRouter?: (router: RoomRouter) => RoomRouter;
}

/**
 * A real node (HTTP, WebSocket, rooms, media of CONFAB_MEDIA_ENGINE in this thread) on a free loopback port. Log lines at warn and
 * above are kept in `logs` (parsed JSON), for tests that check what operators get to see.
 */
export async function startTestServer(env: Record<string, string> = {}, options: TestServerOptions = {}) {
  const webDir = mkdtempSync(join(tmpdir(), 'confab-web-'));
  writeFileSync(join(webDir, 'index.html'), '<!doctype html><title>Confab</title>');
  writeFileSync(join(webDir, 'app.js'), 'console.log("app")');
  // Recordings in a folder of their own, never the working directory's default.
  const recordingsDir = mkdtempSync(join(tmpdir(), 'confab-recordings-'));
  const config: Config = loadConfig({ CONFAB_HOST: '127.0.0.1', CONFAB_PORT: '0', CONFAB_WEB_DIR: webDir, CONFAB_RECORDINGS_DIR: recordingsDir, ...env });
  const logs: Record<string, unknown>[] = [];
  const logger = pino({ level: 'warn' }, { write: (line: string) => void logs.push(JSON.parse(line) as Record<string, unknown>) });
  const engine = await createTestEngine({ logger });
  const media = options.wrapMedia ? options.wrapMedia(engine) : engine;
  const router = await createRoomRouter({ media, roomOptions: roomOptionsFrom(config, logger), maxRooms: config.maxRooms, logger });
  const server = new ConfabServer(config, media, logger, options.wrapRouter ? options.wrapRouter(router) : router);
  const address = await server.listen();
  return {
    server,
    media,
    logs,
    port: address.port,
    httpUrl: `http://127.0.0.1:${address.port}`,
    wsUrl: `ws://127.0.0.1:${address.port}/rtc`,
    stop: () => server.shutdown(0),
  };
}
export type TestServer = Awaited<ReturnType<typeof startTestServer>>;

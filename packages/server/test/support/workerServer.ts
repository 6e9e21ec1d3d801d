import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { WorkerMediaEngine } from '../../src/media/index';
import { loadConfig } from '../../src/service/config';
import { createNode } from '../../src/node';

/**
 * A real node in this process whose media runs on `workers` worker threads, each engine built
 * by `engineModule` (e.g. the crashing engine). Log lines at warn and
 * above are kept in `logs`.
 */
export async function startWorkerServer(workers: number, engineModule: URL) {
  const config = loadConfig({ CONFAB_HOST: '127.0.0.1', CONFAB_PORT: '0', CONFAB_WEB_DIR: mkdtempSync(join(tmpdir(), 'confab-web-')) });
  const logs: Record<string, unknown>[] = [];
  const logger = pino({ level: 'warn' }, { write: (line: string) => void logs.push(JSON.parse(line) as Record<string, unknown>) });
  const media = await WorkerMediaEngine.start({ workers, settings: { announcedAddresses: [] }, engineModule, logger, logLevel: 'warn' });
  const server = await createNode(config, media, logger);
  const address = await server.listen();
  return {
    media,
    logs,
    httpUrl: `http://127.0.0.1:${address.port}`,
    wsUrl: `ws://127.0.0.1:${address.port}/rtc`,
    stop: () => server.shutdown(0),
  };
}

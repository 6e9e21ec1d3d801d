import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createLogger } from './logger';

test('every log line names the node, child loggers included', () => {
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger('info', 'node-0f9e8d', { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) });
  logger.info({ port: 1 }, 'confab listening');
  logger.child({ room: 'r' }).warn('slow');
  logger.debug('below the level: not written');
  assert.deepEqual(lines.map((l) => [l['msg'], l['node'], l['service']]), [
    ['confab listening', 'node-0f9e8d', 'confab'],
    ['slow', 'node-0f9e8d', 'confab'],
  ]);
});

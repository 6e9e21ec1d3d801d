import assert from 'node:assert/strict';
import { test } from 'node:test';
import { WorkerEvent } from './protocol';
import { forwardingLogger } from './workerLogger';

test('worker log lines below the level stay in the worker; the rest go out as valid messages', () => {
  const sent: unknown[] = [];
  const logger = forwardingLogger('warn', (event) => sent.push(event));
  logger.debug({ n: 1 }, 'per packet');
  logger.info({ n: 2 }, 'ready');
  logger.warn({ transport: 'p1' }, 'slow');
  const error = new TypeError('boom');
  logger.error({ err: error, self: undefined }, 'broke');
  assert.equal(sent.length, 2);
  for (const event of sent) assert.ok(WorkerEvent.safeParse(event).success);
  assert.deepEqual(sent[0], { ev: 'log', level: 'warn', fields: { transport: 'p1' }, message: 'slow' });
  const fields = (sent[1] as { fields: { err: { type: string; message: string; stack: string } } }).fields;
  assert.equal(fields.err.type, 'TypeError');
  assert.equal(fields.err.message, 'boom');
  assert.match(fields.err.stack, /boom/);
});

test('fields that cannot be serialised do not break logging', () => {
  const sent: { fields: unknown }[] = [];
  const circular: Record<string, unknown> = {};
  circular.self = circular;
  forwardingLogger('debug', (event) => sent.push(event)).info({ circular }, 'odd');
  assert.deepEqual(sent[0]?.fields, { fields: 'not serialisable' });
  forwardingLogger('silent', (event) => sent.push(event)).error({}, 'nothing');
  assert.equal(sent.length, 1);
});

/** docs/webhooks.md kept in step with the code: its example, its event and metric lists, its signature check. */
import assert from 'node:assert/strict';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { Registry } from 'prom-client';
import { WEBHOOK_EVENTS, WebhookEvent } from '@confab/protocol';
import { WebhookMetrics } from '../service/metrics';
import { webhookHeaders } from './signature';

const docs = readFileSync(new URL('../../../../docs/webhooks.md', import.meta.url), 'utf8');
const codeBlock = (language: string): string => {
  const block = new RegExp('```' + language + '\\n([\\s\\S]*?)```').exec(docs)?.[1];
  assert.ok(block, `a ${language} block in docs/webhooks.md`);
  return block;
};
const section = (title: string): string => docs.split(/^## /m).find((part) => part.startsWith(`${title}\n`)) ?? assert.fail(`no section ${title}`);

test('the example is a valid event, and the events table lists every event name and nothing else', () => {
  WebhookEvent.parse(JSON.parse(codeBlock('json')));
  const documented = [...section('Events').matchAll(/^\| `([a-z_]+)` \|/gm)].map((m) => m[1]);
  assert.deepEqual(documented.sort(), [...WEBHOOK_EVENTS].sort());
});

test('the recording_finished example is a valid event that names the track files and the composite', () => {
  const block = /```json recording_finished\n([\s\S]*?)```/.exec(docs)?.[1] ?? assert.fail('no recording_finished example');
  const event = WebhookEvent.parse(JSON.parse(block));
  assert.equal(event.event, 'recording_finished');
  assert.ok(event.recording?.files?.length && event.recording.composite, 'files and composite');
  // Every field of a recording is named in the events' section.
  const events = section('Events');
  for (const field of [...Object.keys(event.recording), ...Object.keys(event.recording.composite), ...Object.keys(event.recording.files[0]!)]) {
    assert.ok(events.includes(`\`${field}\``), `docs/webhooks.md "Events" names \`${field}\``);
  }
});

test("the docs' signature check accepts what is sent, and refuses a changed body, another secret or key", () => {
  const check = new Function('createHmac', 'timingSafeEqual', `${codeBlock('js').replace(/^import .*$/m, '')}\nreturn signedByConfab;`)(createHmac, timingSafeEqual) as (
    headers: Record<string, string>,
    rawBody: string,
    apiKey: string,
    apiSecret: string,
  ) => boolean;
  const body = JSON.stringify(JSON.parse(codeBlock('json')));
  const headers = webhookHeaders(body, 'APIkey1', 'secret-1');
  assert.deepEqual(Object.keys(headers).sort(), ['content-type', 'x-confab-key', 'x-confab-signature']);
  assert.match(headers['x-confab-signature']!, /^sha256=[0-9a-f]{64}$/);
  assert.equal(check(headers, body, 'APIkey1', 'secret-1'), true);
  assert.equal(check(headers, `${body} `, 'APIkey1', 'secret-1'), false);
  assert.equal(check(headers, body, 'APIkey1', 'secret-2'), false);
  assert.equal(check(headers, body, 'APIkey2', 'secret-1'), false);
});

test('the metrics table lists every webhook metric and nothing else', () => {
  const registry = new Registry();
  new WebhookMetrics().registerIn(registry);
  const documented = [...section('Metrics').matchAll(/^\| `(confab_webhook_[a-z_]+)/gm)].map((m) => m[1]);
  assert.deepEqual(documented.sort(), registry.getMetricsAsArray().map((m) => m.name).sort());
});

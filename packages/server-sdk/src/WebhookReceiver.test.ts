import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { test } from 'node:test';
import { WEBHOOK_KEY_HEADER, WEBHOOK_SIGNATURE_HEADER, type WebhookEvent } from '@confab/protocol';
import { WebhookError, type WebhookRefusal } from './WebhookError';
import { WebhookReceiver } from './WebhookReceiver';
import { signWebhook } from './webhookSignature';

const SECRET = 'hook-secret-0123456789-0123456789-abcdef';
const OTHER_SECRET = 'other-secret-0123456789-0123456789-abcdef';
const EVENT: WebhookEvent = {
  id: 'ev-1',
  event: 'participant_joined',
  room: { name: 'standup', sid: 'RM_1' },
  seq: 2,
  createdAt: 1_796_300_000_000,
  node: 'node-a1b2c3',
  participant: { id: 'PA_1', identity: 'u-42', name: 'Ada' },
};
const BODY = JSON.stringify(EVENT);
const receiver = new WebhookReceiver({ app: SECRET, second: OTHER_SECRET });

function refused(body: string, headers: Record<string, string | string[]>, reason: WebhookRefusal, message?: RegExp): void {
  assert.throws(
    () => receiver.receive(body, headers),
    (error: unknown) => error instanceof WebhookError && error.reason === reason && (message === undefined || message.test(error.message)),
    reason,
  );
}

test('signWebhook: the key and sha256=<hex HMAC-SHA256 of the body>', () => {
  assert.deepEqual(signWebhook(BODY, 'app', SECRET), {
    [WEBHOOK_KEY_HEADER]: 'app',
    [WEBHOOK_SIGNATURE_HEADER]: `sha256=${createHmac('sha256', SECRET).update(BODY).digest('hex')}`,
  });
});

test('a signed event is received, under either key, with Node or fetch headers in any case', () => {
  assert.deepEqual(receiver.receive(BODY, signWebhook(BODY, 'app', SECRET)), EVENT);
  assert.deepEqual(receiver.receive(BODY, new Headers(signWebhook(BODY, 'second', OTHER_SECRET))), EVENT);
  const signature = signWebhook(BODY, 'app', SECRET)[WEBHOOK_SIGNATURE_HEADER]!;
  const shouted = { 'X-Confab-Key': 'app', 'X-Confab-Signature': `sha256=${signature.slice(7).toUpperCase()}` };
  assert.deepEqual(receiver.receive(BODY, shouted), EVENT, 'header names in any case, hex in capitals too');
  assert.deepEqual(new WebhookReceiver(new Map([['app', SECRET]])).receive(BODY, signWebhook(BODY, 'app', SECRET)), EVENT);
});

test('refused: no key, a key not given, no signature, another secret, a changed body', () => {
  const signed = signWebhook(BODY, 'app', SECRET);
  refused(BODY, { [WEBHOOK_SIGNATURE_HEADER]: signed[WEBHOOK_SIGNATURE_HEADER]! }, 'missing_key', /no x-confab-key header/);
  refused(BODY, signWebhook(BODY, 'stranger', SECRET), 'unknown_key', /API key "stranger"/);
  refused(BODY, { [WEBHOOK_KEY_HEADER]: 'app' }, 'missing_signature', /no x-confab-signature header/);
  refused(BODY, signWebhook(BODY, 'app', OTHER_SECRET), 'bad_signature');
  refused(BODY, signWebhook(BODY, 'second', SECRET), 'bad_signature', /does not match/);
  refused(BODY.replace('Ada', 'Eve'), signed, 'bad_signature');
  refused(`${BODY} `, signed, 'bad_signature');
  for (const signature of ['', 'sha256=', 'sha256=abc', `sha1=${'0'.repeat(64)}`, signed[WEBHOOK_SIGNATURE_HEADER]!.slice(7), `${signed[WEBHOOK_SIGNATURE_HEADER]}00`]) {
    refused(BODY, { ...signed, [WEBHOOK_SIGNATURE_HEADER]: signature }, 'bad_signature');
  }
  refused(BODY, { ...signed, [WEBHOOK_KEY_HEADER]: ['app', 'app'] }, 'missing_key');
});

test('refused: a well-signed body that is not JSON, or not an event', () => {
  const notJson = '{"id": ';
  refused(notJson, signWebhook(notJson, 'app', SECRET), 'bad_json');
  const notEvent = JSON.stringify({ ...EVENT, event: 'room_exploded' });
  refused(notEvent, signWebhook(notEvent, 'app', SECRET), 'bad_event', /not a Confab event: event:/);
  refused('[]', signWebhook('[]', 'app', SECRET), 'bad_event');
});

test('a receiver needs keys', () => {
  assert.throws(() => new WebhookReceiver({}), /at least one API key/);
});

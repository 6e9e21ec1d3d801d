import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setImmediate as tick } from 'node:timers/promises';
import { silentLogger } from './logger';
import { Renegotiator } from './Renegotiator';

test('changes in one turn make one offer; changes while it is unanswered make exactly one more', async () => {
  let offers = 0;
  const renegotiator = new Renegotiator(async () => {
    offers++;
  }, silentLogger);
  renegotiator.request();
  renegotiator.request();
  renegotiator.request();
  await tick();
  assert.equal(offers, 1);
  assert.equal(renegotiator.awaitingAnswer, true);
  renegotiator.request();
  renegotiator.request();
  await tick();
  assert.equal(offers, 1, 'waits for the answer');
  renegotiator.answered();
  await tick();
  assert.equal(offers, 2);
  renegotiator.answered();
  await tick();
  assert.equal(offers, 2, 'nothing changed since');
  renegotiator.close();
  renegotiator.request();
  await tick();
  assert.equal(offers, 2);
});

test('a failed offer does not leave it waiting for an answer forever', async () => {
  let calls = 0;
  const renegotiator = new Renegotiator(async () => {
    calls++;
    throw new Error('createOffer failed');
  }, silentLogger);
  renegotiator.request();
  await tick();
  await tick();
  assert.equal(renegotiator.awaitingAnswer, false);
  renegotiator.request();
  await tick();
  assert.equal(calls, 2);
});

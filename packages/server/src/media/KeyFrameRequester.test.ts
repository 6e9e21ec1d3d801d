import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { KeyFrameRequester } from './KeyFrameRequester';

test('one request per interval; requests inside it are deferred to its end, not dropped', async () => {
  let sent = 0;
  const requester = new KeyFrameRequester(100, () => sent++);
  requester.request();
  assert.equal(sent, 1, 'the first goes out at once');
  for (let i = 0; i < 10; i++) requester.request();
  assert.equal(sent, 1);
  await sleep(150);
  assert.equal(sent, 2, 'the burst became one deferred request');
  await sleep(150);
  assert.equal(sent, 2);
  requester.request();
  requester.close();
  await sleep(150);
  assert.equal(sent, 3, 'outside the interval it was immediate; nothing after close');
});

test('an unanswered request is repeated; a key frame stops the repetition', async () => {
  let sent = 0;
  const requester = new KeyFrameRequester(100, () => sent++);
  requester.request();
  await sleep(600);
  assert.equal(sent, 2, 'repeated once 500 ms passed without a key frame');
  requester.keyFrameReceived();
  await sleep(600);
  assert.equal(sent, 2, 'answered: not repeated');
  requester.close();
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Recording } from '@confab/client';
import { recordedOnEntry, recordingEnded, recordingStarted } from './recordingWords';

const byAlice: Recording = { recordingId: 'RC_1', startedAt: new Date(1_700_000_000_000), startedBy: { participantId: 'alice', name: 'Alice' } };
const byOperator: Recording = { ...byAlice, startedBy: null };

test('entering a recorded meeting says so, and who started it when a moderator did', () => {
  assert.equal(recordedOnEntry(byAlice), 'This meeting is being recorded (started by Alice). What you say and share is in the recording.');
  assert.equal(recordedOnEntry(byOperator), 'This meeting is being recorded. What you say and share is in the recording.');
});

test('a start names who started it: you, someone, or nobody (the operator)', () => {
  assert.match(recordingStarted(byAlice, 'alice'), /^You started recording\. /);
  assert.match(recordingStarted(byAlice, 'bob'), /^Alice started recording\. /);
  assert.match(recordingStarted(byOperator, 'bob'), /^Recording started\. /);
});

test('a failed recording gives the server’s reason and says the call goes on; a plain stop is no failure', () => {
  assert.deepEqual(recordingEnded({ recordingId: 'RC_1', reason: 'failed', error: 'no space left on the recordings disk' }), {
    text: 'The recording failed and stopped. No space left on the recordings disk. The call goes on.',
    failed: true,
  });
  assert.deepEqual(recordingEnded({ recordingId: 'RC_1', reason: 'failed' }), { text: 'The recording failed and stopped. The call goes on.', failed: true });
  assert.deepEqual(recordingEnded({ recordingId: 'RC_1', reason: 'stopped' }), { text: 'Recording stopped.', failed: false });
  assert.deepEqual(recordingEnded(undefined), { text: 'Recording stopped.', failed: false }, 'ended while we were away');
});

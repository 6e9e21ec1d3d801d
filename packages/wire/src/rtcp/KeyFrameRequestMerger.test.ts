import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { KeyFrameRequestMerger } from './KeyFrameRequestMerger';

describe('KeyFrameRequestMerger', () => {
  it('sends the first request at once and merges the rest into one per interval', () => {
    const merger = new KeyFrameRequestMerger(500, 1000);
    assert.equal(merger.request(0), true);
    assert.equal(merger.firSeqNr, 1);
    for (let t = 10; t < 500; t += 10) assert.equal(merger.request(t), false, `request at ${t}`);
    assert.equal(merger.poll(499), false);
    assert.equal(merger.poll(500), true, 'the held requests go out as one');
    assert.equal(merger.firSeqNr, 2);
    assert.equal(merger.poll(1000), false, 'nothing held any more');
    assert.equal(merger.request(1001), true);
  });

  it('drops held requests when a key frame arrives meanwhile', () => {
    const merger = new KeyFrameRequestMerger(500);
    merger.request(0);
    merger.request(100);
    merger.keyFrameReceived();
    assert.equal(merger.poll(600), false);
    assert.equal(merger.firSeqNr, 1);
  });

  it('wraps the FIR sequence number at 8 bits', () => {
    const merger = new KeyFrameRequestMerger(1);
    for (let t = 0; t < 256; t++) merger.request(t);
    assert.equal(merger.firSeqNr, 0);
  });

  it('repeats an unanswered request every retryMs, a few times, with the same FIR sequence number', () => {
    const merger = new KeyFrameRequestMerger(500, 1000, 2);
    assert.equal(merger.request(0), true);
    assert.equal(merger.nextPollMs, 1000);
    assert.equal(merger.poll(999), false);
    assert.equal(merger.poll(1000), true, 'no key frame within retryMs: again');
    assert.equal(merger.firSeqNr, 1, 'a repetition keeps the sequence number');
    assert.equal(merger.poll(2000), true);
    assert.equal(merger.poll(3000), false, 'at most maxRetries repetitions');
    assert.equal(merger.nextPollMs, Infinity);
    assert.equal(merger.request(3000), true, 'a new request starts over');
    assert.equal(merger.firSeqNr, 2);
    merger.keyFrameReceived();
    assert.equal(merger.awaitingKeyFrame, false);
    assert.equal(merger.poll(4000), false, 'answered: nothing more');
  });
});

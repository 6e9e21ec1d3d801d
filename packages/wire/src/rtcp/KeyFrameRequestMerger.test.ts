import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { KeyFrameRequestMerger, KeyFrameWindow } from './KeyFrameRequestMerger';

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

describe('KeyFrameWindow (one encoder, several layers)', () => {
  it('holds a request for one layer while the encoder would ignore it, and sends it when the window ends', () => {
    const encoder = new KeyFrameWindow(300);
    const top = new KeyFrameRequestMerger(500, 500, 6, encoder);
    const low = new KeyFrameRequestMerger(500, 500, 6, encoder);
    assert.equal(top.request(0), true, 'another subscriber asks for the top layer');
    assert.equal(low.request(100), false, 'within 300 ms libwebrtc would drop it');
    assert.equal(low.nextPollMs, 300);
    assert.equal(low.poll(250), false);
    assert.equal(low.poll(300), true, 'sent as the window ends');
    assert.equal(top.poll(550), false, 'the top layer: its retry waits for the window too');
    assert.equal(top.poll(620), true);
  });

  it('a held request is answered by the key frame the earlier one brings (libwebrtc makes it on every layer)', () => {
    const encoder = new KeyFrameWindow(300);
    const top = new KeyFrameRequestMerger(500, 500, 6, encoder);
    const low = new KeyFrameRequestMerger(500, 500, 6, encoder);
    top.request(0);
    low.request(100);
    top.keyFrameReceived();
    low.keyFrameReceived();
    assert.equal(low.poll(300), false);
    assert.equal(low.poll(2000), false);
  });
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CandidateQueue, candidateToWire, type CandidateSink } from './CandidateQueue';

function sink(): CandidateSink & { added: (RTCIceCandidateInit | undefined)[]; remoteDescription: RTCSessionDescription | null } {
  const added: (RTCIceCandidateInit | undefined)[] = [];
  return {
    added,
    remoteDescription: null,
    addIceCandidate: async (candidate?: RTCIceCandidateInit) => {
      added.push(candidate);
    },
  };
}

test('candidates before the remote description are held, then flushed in order', () => {
  const pc = sink();
  const queue = new CandidateQueue(pc, () => assert.fail('no error expected'));
  queue.add({ candidate: 'candidate:1', sdpMid: '0', sdpMLineIndex: 0 });
  queue.add(null);
  assert.equal(pc.added.length, 0);
  assert.equal(queue.size, 2);
  pc.remoteDescription = { type: 'answer', sdp: 'x' } as RTCSessionDescription;
  queue.flush();
  assert.deepEqual(pc.added, [{ candidate: 'candidate:1', sdpMid: '0', sdpMLineIndex: 0 }, undefined]);
  queue.add({ candidate: 'candidate:2', sdpMid: null, usernameFragment: 'u' });
  assert.deepEqual(pc.added[2], { candidate: 'candidate:2', usernameFragment: 'u' });
});

test('a rejected candidate is reported, end-of-candidates failures are not', async () => {
  const errors: unknown[] = [];
  const pc: CandidateSink = {
    remoteDescription: { type: 'offer', sdp: 'x' } as RTCSessionDescription,
    addIceCandidate: async () => {
      throw new Error('bad candidate');
    },
  };
  const queue = new CandidateQueue(pc, (e) => errors.push(e));
  queue.add(null);
  queue.add({ candidate: 'garbage' });
  await new Promise((r) => setTimeout(r, 0));
  assert.equal(errors.length, 1);
});

test('candidateToWire serialises local candidates', () => {
  assert.equal(candidateToWire(null), null);
  const local = { toJSON: () => ({ candidate: 'candidate:x', sdpMid: '0', sdpMLineIndex: 0 }) } as unknown as RTCIceCandidate;
  assert.deepEqual(candidateToWire(local), { candidate: 'candidate:x', sdpMid: '0', sdpMLineIndex: 0, usernameFragment: null });
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readInboundRtp } from './stats';

test('reads the inbound-rtp entry, keeping only the fields present', () => {
  const report = new Map<string, unknown>([
    ['T1', { type: 'transport', bytesReceived: 99 }],
    ['V1', { type: 'inbound-rtp', kind: 'video', bytesReceived: 5000, packetsReceived: 40, packetsLost: 2, framesDecoded: 30, frameWidth: 640, frameHeight: 480, jitter: 0.002 }],
  ]);
  assert.deepEqual(readInboundRtp(report), {
    bytesReceived: 5000,
    packetsReceived: 40,
    packetsLost: 2,
    framesDecoded: 30,
    frameWidth: 640,
    frameHeight: 480,
    jitter: 0.002,
  });
});

test('audio fields, missing counters default to 0, no inbound-rtp gives undefined', () => {
  const audio = readInboundRtp(new Map([['A', { type: 'inbound-rtp', totalSamplesReceived: 48000, audioLevel: 0.3 }]]));
  assert.deepEqual(audio, { bytesReceived: 0, packetsReceived: 0, packetsLost: 0, totalSamplesReceived: 48000, audioLevel: 0.3 });
  assert.equal(readInboundRtp(new Map([['C', { type: 'codec' }]])), undefined);
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PublisherConnection } from './PublisherConnection';
import type { Signaller } from './PeerLink';
import { FakePeerConnection, fakeTrack, tick } from './testFakes';

test('several tracks in one negotiation: one refused, every one the server accepted is unpublished again', async () => {
  const requests: Record<string, unknown>[] = [];
  const signal = {
    send: () => undefined,
    request: async (message: Record<string, unknown>) => {
      requests.push(message);
      if (message['type'] !== 'publish') return undefined;
      if (message['source'] === 'camera') throw new Error('camera refused');
      await tick(20); // the microphone's answer comes after the camera's refusal
      return undefined;
    },
  } as unknown as Signaller;
  const pc = new FakePeerConnection({});
  const publisher = new PublisherConnection(pc as unknown as RTCPeerConnection, signal, () => undefined);
  await assert.rejects(
    publisher.publishAll([
      { source: 'camera', track: fakeTrack('video') },
      { source: 'microphone', track: fakeTrack('audio') },
    ]),
    /camera refused/,
  );
  await tick(5);
  assert.deepEqual(
    requests.filter((m) => m['type'] === 'unpublish').map((m) => m['source']),
    ['microphone'],
    'the microphone, accepted after the camera was refused, is withdrawn',
  );
});

import assert from 'node:assert/strict';
import { it } from 'node:test';
import { silentLogger } from '../logger';
import { MediaCounters } from '../MediaCounters';
import { PacketSlots } from './PacketSlots';
import { SubscriberBandwidth } from './SubscriberBandwidth';

function bandwidth(): SubscriberBandwidth {
  const owner = { protectAndSend: () => 0, writePadding: () => 0, bandwidthChanged: () => {} };
  return new SubscriberBandwidth(owner, new PacketSlots(16), new MediaCounters(), silentLogger, 'test');
}

it('a joiner is shared out the start estimate until its feedback comes, so its first key frames are on layers it keeps', () => {
  const joiner = bandwidth();
  assert.equal(joiner.allocatableBitrate, 1_000_000, 'before the answer: browsers take transport-cc');
  joiner.negotiated(3);
  assert.equal(joiner.allocatableBitrate, 1_000_000, 'transport-cc negotiated, no feedback yet');
  assert.equal(joiner.availableBitrate, Infinity, 'what is reported as estimated stays unknown');
});

it('a subscriber without transport-cc, which never gets an estimate, is shared out everything', () => {
  const subscriber = bandwidth();
  subscriber.negotiated(0);
  assert.equal(subscriber.allocatableBitrate, Infinity);
});

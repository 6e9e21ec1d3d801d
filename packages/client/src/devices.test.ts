import assert from 'node:assert/strict';
import { test } from 'node:test';
import { groupDevices } from './devices';

const device = (kind: MediaDeviceKind, deviceId: string, label = ''): MediaDeviceInfo =>
  ({ kind, deviceId, label, groupId: 'g', toJSON: () => ({}) }) as MediaDeviceInfo;

test('groupDevices sorts by kind and drops the communications alias', () => {
  const lists = groupDevices([
    device('audioinput', 'default', 'Default - Mic'),
    device('audioinput', 'communications', 'Communications - Mic'),
    device('audioinput', 'mic-1', 'Mic'),
    device('videoinput', 'cam-1', 'Cam'),
    device('audiooutput', 'default', 'Speakers'),
  ]);
  assert.deepEqual(lists.microphones.map((d) => d.deviceId), ['default', 'mic-1']);
  assert.deepEqual(lists.cameras.map((d) => d.deviceId), ['cam-1']);
  assert.deepEqual(lists.speakers.map((d) => d.deviceId), ['default']);
  assert.equal(lists.permissionNeeded, false);
});

test('groupDevices: devices hidden until permission is granted', () => {
  const lists = groupDevices([device('audioinput', ''), device('videoinput', ''), device('audiooutput', '')]);
  assert.deepEqual([lists.microphones.length, lists.cameras.length, lists.speakers.length], [0, 0, 0]);
  assert.equal(lists.permissionNeeded, true);
  assert.equal(groupDevices([]).permissionNeeded, false, 'no devices at all is not a permission problem');
});

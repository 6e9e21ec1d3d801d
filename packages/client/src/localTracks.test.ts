import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfabError } from './errors';
import { createLocalTracks, withDevice } from './localTracks';
import { fakeTrack, mediaStream as stream, withGetUserMedia } from './testFakes';

test('withDevice: exact for a picked device, ideal for a remembered one, untouched without one', () => {
  assert.deepEqual(withDevice({ width: 640 }, 'cam-2'), { width: 640, deviceId: { exact: 'cam-2' } });
  assert.deepEqual(withDevice(true, 'mic-1', 'ideal'), { deviceId: { ideal: 'mic-1' } });
  assert.equal(withDevice(true, undefined), true);
  assert.equal(withDevice(undefined, undefined), true);
});

const domError = (name: string) => Object.assign(new Error(`${name} happened`), { name });

test('createLocalTracks asks once for both when it can', async () => {
  const calls: MediaStreamConstraints[] = [];
  await withGetUserMedia(
    async (c) => {
      calls.push(c);
      return stream([fakeTrack('audio'), fakeTrack('video')]);
    },
    async () => {
      const got = await createLocalTracks({ microphone: true, camera: { deviceId: { exact: 'c1' } } });
      assert.equal(got.microphone?.kind, 'audio');
      assert.equal(got.camera?.kind, 'video');
      assert.deepEqual(got.errors, []);
      assert.deepEqual(calls, [{ audio: true, video: { deviceId: { exact: 'c1' } } }]);
    },
  );
});

test('createLocalTracks: a busy camera does not cost the microphone, and the error says why', async () => {
  await withGetUserMedia(
    async (c) => {
      if (c.video) throw domError('NotReadableError');
      return stream([fakeTrack('audio')]);
    },
    async () => {
      const got = await createLocalTracks({ microphone: true, camera: true });
      assert.equal(got.microphone?.kind, 'audio');
      assert.equal(got.camera, undefined);
      assert.equal(got.errors.length, 1);
      assert.equal(got.errors[0]?.source, 'camera');
      assert.equal(got.errors[0]?.failure, 'device_in_use');
    },
  );
});

test('createLocalTracks on a plain-HTTP page: insecure_context for both, without trying each', async () => {
  await withGetUserMedia(
    async () => assert.fail('not reached'),
    async () => {
      const got = await createLocalTracks({ microphone: true, camera: true });
      assert.deepEqual(got.errors.map((e) => [e.source, e.code, e.failure]), [
        ['microphone', 'media_unavailable', 'insecure_context'],
        ['camera', 'media_unavailable', 'insecure_context'],
      ]);
      assert.ok(got.errors.every((e) => e instanceof ConfabError));
    },
    false,
  );
});

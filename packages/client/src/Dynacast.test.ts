import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Dynacast } from './Dynacast';
import { FakeSenderParameters, tick } from './testFakes';
import { sendEncodingsFor } from './videoEncoding';

function simulcastSender(): { sender: RTCRtpSender; parameters: FakeSenderParameters } {
  const parameters = new FakeSenderParameters(sendEncodingsFor('camera'));
  const sender = { getParameters: () => parameters.getParameters(), setParameters: (p: RTCRtpSendParameters) => parameters.setParameters(p) };
  return { sender: sender as unknown as RTCRtpSender, parameters };
}

const activeByRid = (parameters: FakeSenderParameters): Record<string, boolean | undefined> =>
  Object.fromEntries(parameters.encodings.map((e) => [e.rid, e.active]));

test('subscribed_layers switches the named encodings on and off with setParameters', async () => {
  const errors: unknown[] = [];
  const dynacast = new Dynacast((e) => errors.push(e));
  const { sender, parameters } = simulcastSender();
  await dynacast.bind('camera', sender);
  assert.equal(parameters.writes.length, 0, 'nothing said yet: nothing written');

  await dynacast.setSubscribedLayers({ source: 'camera', layers: [{ rid: 'q', active: true }, { rid: 'h', active: false }, { rid: 'f', active: false }] });
  assert.deepEqual(activeByRid(parameters), { q: true, h: false, f: false });
  // Everything else about the encodings survives the read-modify-write.
  assert.deepEqual(parameters.encodings.map((e) => e.maxBitrate), [150_000, 500_000, 1_700_000]);
  assert.deepEqual(parameters.encodings.map((e) => e.scaleResolutionDownBy), [4, 2, 1]);

  await dynacast.setSubscribedLayers({ source: 'camera', layers: [{ rid: 'f', active: true }] });
  assert.deepEqual(activeByRid(parameters), { q: true, h: false, f: true }, 'unnamed rids are left alone');

  const writes = parameters.writes.length;
  await dynacast.setSubscribedLayers({ source: 'camera', layers: [{ rid: 'f', active: true }, { rid: 'x', active: false }] });
  assert.equal(parameters.writes.length, writes, 'no change, no write; unknown rids ignored');
  assert.deepEqual(errors, []);
});

test('updates that arrive together are serialised and the last one wins', async () => {
  const errors: unknown[] = [];
  const dynacast = new Dynacast((e) => errors.push(e));
  const { sender, parameters } = simulcastSender();
  await dynacast.bind('camera', sender);
  const all = (active: boolean) => ['q', 'h', 'f'].map((rid) => ({ rid, active }));
  const updates = [
    dynacast.setSubscribedLayers({ source: 'camera', layers: all(false) }),
    dynacast.setSubscribedLayers({ source: 'camera', layers: all(true) }),
    dynacast.setSubscribedLayers({ source: 'camera', layers: [{ rid: 'q', active: true }, { rid: 'h', active: true }, { rid: 'f', active: false }] }),
  ];
  await Promise.all(updates);
  assert.deepEqual(errors, [], 'no stale-transaction failures');
  assert.deepEqual(activeByRid(parameters), { q: true, h: true, f: false });
});

test('what the server said before the publish finished is applied when the sender is bound', async () => {
  const dynacast = new Dynacast((e) => assert.fail(String(e)));
  await dynacast.setSubscribedLayers({ source: 'camera', layers: [{ rid: 'q', active: false }, { rid: 'h', active: true }, { rid: 'f', active: false }] });
  const { sender, parameters } = simulcastSender();
  await dynacast.bind('camera', sender);
  assert.deepEqual(activeByRid(parameters), { q: false, h: true, f: false });

  // Another source's word does not touch the camera; after unbind nothing is applied to the old sender.
  await dynacast.setSubscribedLayers({ source: 'screen', layers: [{ rid: 'h', active: false }] });
  dynacast.unbind('camera');
  await dynacast.setSubscribedLayers({ source: 'camera', layers: [{ rid: 'q', active: true }] });
  await tick(5);
  assert.deepEqual(activeByRid(parameters), { q: false, h: true, f: false });
});

test('a failing setParameters is reported, not thrown', async () => {
  const errors: unknown[] = [];
  const dynacast = new Dynacast((e) => errors.push(e));
  const { sender } = simulcastSender();
  (sender as { setParameters: unknown }).setParameters = async () => {
    throw new Error('InvalidStateError');
  };
  await dynacast.bind('camera', sender);
  await dynacast.setSubscribedLayers({ source: 'camera', layers: [{ rid: 'f', active: false }] });
  assert.equal(errors.length, 1);
});

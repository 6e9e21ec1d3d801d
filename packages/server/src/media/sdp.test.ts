import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MediaError } from './errors';
import { mediaSections, validateSdp } from './sdp';

const offer = [
  'v=0', 'o=- 1 2 IN IP4 127.0.0.1', 's=-', 't=0 0', 'a=group:BUNDLE 0 1',
  'a=extmap:3 http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01',
  'm=audio 9 UDP/TLS/RTP/SAVPF 111', 'a=ice-ufrag:u', 'a=ice-pwd:p', 'a=fingerprint:sha-256 AA', 'a=mid:0', 'a=sendonly',
  'a=rtpmap:111 opus/48000/2', 'a=rtcp-fb:111 transport-cc',
  'm=video 0 UDP/TLS/RTP/SAVPF 96', 'a=mid:1', 'a=inactive', 'a=rtpmap:96 VP8/90000', 'a=rtcp-fb:96 nack pli', 'a=rtcp-fb:96 transport-cc', '',
].join('\r\n');

test('mediaSections reads kind, mid, direction and port per m-line', () => {
  assert.deepEqual(mediaSections(offer), [
    { kind: 'audio', mid: '0', direction: 'sendonly', port: 9 },
    { kind: 'video', mid: '1', direction: 'inactive', port: 0 },
  ]);
});

test('validateSdp accepts an offer and rejects what is plainly not one', () => {
  validateSdp(offer, 'offer');
  const invalid = (sdp: unknown) => () => validateSdp(sdp, 'offer');
  const isInvalid = (err: unknown) => err instanceof MediaError && err.code === 'invalid_argument';
  for (const bad of ['garbage', '', undefined, 42, 'v=0\r\ns=-\r\n', offer.replace('a=mid:1\r\n', ''), offer.replace(/a=ice-pwd:p\r\n/, ''), 'v=0' + 'x'.repeat(300_000)]) {
    assert.throws(invalid(bad), isInvalid, JSON.stringify(bad)?.slice(0, 40));
  }
});

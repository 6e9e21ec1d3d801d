import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MediaError } from './errors';
import { keepBundleTag, mediaSections, stripTransportCc, validateSdp } from './sdp';

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

test('stripTransportCc removes transport-cc feedback and the TWCC extension, nothing else', () => {
  const stripped = stripTransportCc(offer);
  assert.ok(!stripped.includes('transport-cc'));
  assert.ok(!stripped.includes('transport-wide-cc'));
  assert.ok(stripped.includes('a=rtcp-fb:96 nack pli\r\n'));
  assert.equal(stripped.split('\r\n').length, offer.split('\r\n').length - 3);
});

test('validateSdp accepts an offer and rejects what werift would happily answer', () => {
  validateSdp(offer, 'offer');
  const invalid = (sdp: unknown) => () => validateSdp(sdp, 'offer');
  const isInvalid = (err: unknown) => err instanceof MediaError && err.code === 'invalid_argument';
  for (const bad of ['garbage', '', undefined, 42, 'v=0\r\ns=-\r\n', offer.replace('a=mid:1\r\n', ''), offer.replace(/a=ice-pwd:p\r\n/, ''), 'v=0' + 'x'.repeat(300_000)]) {
    assert.throws(invalid(bad), isInvalid, JSON.stringify(bad)?.slice(0, 40));
  }
});

test('keepBundleTag keeps the group tag alive and drops other rejected m-lines from the group', () => {
  const sdp = ['v=0', 'a=group:BUNDLE 0 1 2', 'm=audio 0 UDP/TLS/RTP/SAVPF 111', 'a=inactive', 'a=mid:0', 'm=video 0 UDP/TLS/RTP/SAVPF 96', 'a=mid:1', 'm=video 9 UDP/TLS/RTP/SAVPF 96', 'a=mid:2', ''].join('\r\n');
  const kept = keepBundleTag(sdp);
  assert.match(kept, /\r\na=group:BUNDLE 0 2\r\n/);
  assert.deepEqual(mediaSections(kept).map((s) => [s.mid, s.port, s.direction]), [['0', 9, 'inactive'], ['1', 0, 'sendrecv'], ['2', 9, 'sendrecv']]);
});

/**
 * The class of problem behind "Firefox's camera never reaches anyone": descriptions whose shape
 * is not Chromium's. Recorded Firefox descriptions and an H264-first Chromium offer (the way a
 * Safari publisher prefers), each through the same parser and answer as the Chromium fixtures.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RtpExtensionUri } from '@confab/wire';
import { isConstrainedBaseline } from '../codecs';
import type { LocalIceDtlsParameters } from '../net/index';
import { FIREFOX_PUBLISH_OFFER, FIREFOX_SUBSCRIBE_ANSWER } from './firefoxDescriptions.fixture';
import { CHROMIUM_H264_FIRST_PUBLISH_OFFER } from './h264FirstDescriptions.fixture';
import { parseSdp, sectionInUse } from './parseSdp';
import { writePublishAnswer } from './publishAnswer';
import { negotiatePublishOffer } from './publishOffer';
import { readRemoteTransport } from './remoteTransport';
import { readCodecs, readExtensions } from './rtpParameters';
import { readSubscribeAnswer } from './subscribeAnswer';

const LOCAL: LocalIceDtlsParameters = {
  usernameFragment: 'srvU',
  password: 'serverpasswordserverpass',
  iceLite: true,
  fingerprint: { algorithm: 'sha-256', value: 'AA:BB' },
  dtlsRole: 'server',
  candidates: [{ foundation: 'u0', component: 1, protocol: 'udp', priority: 2130706431, address: '10.99.0.1', port: 40000, type: 'host' }],
};

/** The offer with the video m-line's formats replaced by `formats` (the rtpmap lines stay). */
function videoFormats(sdp: string, formats: string[]): string {
  return sdp.replace(/^m=video (\d+) UDP\/TLS\/RTP\/SAVPF .*$/m, (_line, port: string) => `m=video ${port} UDP/TLS/RTP/SAVPF ${formats.join(' ')}`);
}

test('Firefox offer: the camera m-section (port 0, a=bundle-only, in the BUNDLE group) is accepted with its SSRCs', () => {
  const parsed = parseSdp(FIREFOX_PUBLISH_OFFER);
  const [, camera] = parsed.media;
  assert.deepEqual([camera!.port, camera!.mid], [0, '1'], 'the fixture is the bundle-only shape');
  assert.ok(sectionInUse(parsed, camera!));
  const remote = readRemoteTransport(parsed);
  assert.equal(remote.usernameFragment, '1f74bc5d');
  assert.equal(remote.setup, 'actpass');
  assert.deepEqual(remote.fingerprints, [{ algorithm: 'sha-256', value: '7E:B9:24:65:52:3A:E7:39:51:C0:1E:3B:A1:9A:EB:E0:7D:61:BB:AB:DB:6A:D3:D4:DA:23:C8:93:32:FD:32:69' }]);

  const { sections, extensionIds } = negotiatePublishOffer(parsed);
  assert.deepEqual(extensionIds, { audioLevel: 1, mid: 3, absSendTime: 4, transportCc: 7, rid: 0, repairedRid: 0 });
  const [audio, video] = sections.map((s) => s.stream);
  assert.deepEqual(audio, {
    mid: '0', kind: 'audio', codec: 'opus', payloadType: 109, rtxPayloadType: -1, clockRate: 48000,
    ssrc: 2476783328, rtxSsrc: undefined, layers: [], nack: false, pli: false, fir: false,
  });
  assert.deepEqual(video, {
    mid: '1', kind: 'video', codec: 'vp8', payloadType: 120, rtxPayloadType: 124, clockRate: 90000,
    ssrc: 868279703, rtxSsrc: 3278616772, layers: [], nack: true, pli: true, fir: true,
  });
  assert.equal(sections[1]!.direction, 'recvonly');
});

test('the answer to Firefox: both m-sections recvonly in the BUNDLE group, under its payload types and extension ids', () => {
  const sdp = writePublishAnswer(negotiatePublishOffer(parseSdp(FIREFOX_PUBLISH_OFFER)), LOCAL, { id: '9', version: 1 });
  const answer = parseSdp(sdp);
  assert.equal(answer.session.find((a) => a.name === 'group')?.value, 'BUNDLE 0 1');
  assert.equal(readRemoteTransport(answer).setup, 'passive');
  const [audio, video] = answer.media;
  assert.deepEqual([audio!.port, audio!.direction, audio!.formats], [9, 'recvonly', ['109']]);
  assert.deepEqual([video!.port, video!.direction, video!.formats], [9, 'recvonly', ['120', '124']]);
  assert.deepEqual(readCodecs(video!).map((c) => [c.payloadType, c.name, c.fmtp]), [
    [120, 'VP8', 'max-fs=12288;max-fr=60'],
    [124, 'rtx', 'apt=120'],
  ]);
  assert.deepEqual(readCodecs(video!)[0]!.feedback.sort(), ['ccm fir', 'nack', 'nack pli', 'transport-cc']);
  assert.deepEqual(readExtensions(audio!), [
    { id: 1, uri: RtpExtensionUri.audioLevel },
    { id: 3, uri: RtpExtensionUri.mid },
    { id: 7, uri: RtpExtensionUri.transportWideCc },
  ]);
  // toffset and playout-delay (recvonly on Firefox's side) are not read, so not answered.
  assert.deepEqual(readExtensions(video!).map((e) => e.id), [3, 4, 7]);
  assert.match(sdp, /^a=candidate:u0 1 udp 2130706431 10\.99\.0\.1 40000 typ host$/m);
});

test('port 0 still rejects: a stopped transceiver, or bundle-only outside any BUNDLE group', () => {
  const stopped = FIREFOX_PUBLISH_OFFER.replace('a=bundle-only\r\n', '');
  assert.equal(negotiatePublishOffer(parseSdp(stopped)).sections[1]!.stream, undefined);
  const unbundled = FIREFOX_PUBLISH_OFFER.replace('a=group:BUNDLE 0 1', 'a=group:BUNDLE 0');
  assert.equal(negotiatePublishOffer(parseSdp(unbundled)).sections[1]!.stream, undefined);
  const answer = parseSdp(writePublishAnswer(negotiatePublishOffer(parseSdp(stopped)), LOCAL, { id: '9', version: 1 }));
  assert.deepEqual([answer.media[1]!.port, answer.media[1]!.direction], [0, 'inactive']);
  assert.equal(answer.session.find((a) => a.name === 'group')?.value, 'BUNDLE 0');
});

test('Firefox as subscriber: its answer receives on both m-sections; an RFC 9143 answer (port 0 + bundle-only) too', () => {
  const parsed = parseSdp(FIREFOX_SUBSCRIBE_ANSWER);
  assert.equal(readRemoteTransport(parsed).setup, 'active');
  const receivers = readSubscribeAnswer(parsed);
  assert.deepEqual([...receivers.get('0')!.payloadTypes], [111]);
  assert.deepEqual([...receivers.get('1')!.payloadTypes], [96, 97]);
  assert.ok(receivers.get('0')!.receiving && receivers.get('1')!.receiving);
  assert.equal(receivers.get('0')!.audioLevelId, 1);

  const bundleOnly = FIREFOX_SUBSCRIBE_ANSWER.replace('m=video 9 ', 'm=video 0 ').replace('a=mid:1\r\n', 'a=mid:1\r\na=bundle-only\r\n');
  assert.ok(readSubscribeAnswer(parseSdp(bundleOnly)).get('1')!.receiving);
  const rejected = FIREFOX_SUBSCRIBE_ANSWER.replace('m=video 9 ', 'm=video 0 ');
  assert.equal(readSubscribeAnswer(parseSdp(rejected)).get('1')!.receiving, false);
});

test('an H264-first publisher is answered VP8 (every subscriber decodes it), under its own payload types', () => {
  const parsed = parseSdp(CHROMIUM_H264_FIRST_PUBLISH_OFFER);
  const firstVideo = parsed.media[1]!.formats[0]!;
  assert.equal(readCodecs(parsed.media[1]!).find((c) => String(c.payloadType) === firstVideo)?.name, 'H264', 'the fixture prefers H264');
  const negotiation = negotiatePublishOffer(parsed);
  const video = negotiation.sections[1]!.stream!;
  assert.deepEqual([video.codec, video.payloadType, video.rtxPayloadType], ['vp8', 96, 97]);
  const answer = parseSdp(writePublishAnswer(negotiation, LOCAL, { id: '9', version: 1 }));
  assert.deepEqual(answer.media[1]!.formats, ['96', '97']);
  assert.ok(!/H264/.test(writePublishAnswer(negotiation, LOCAL, { id: '9', version: 1 })));
});

test('a publisher without VP8 sends constrained-baseline H264, with its payload types, RTX and fmtp', () => {
  // Baseline (102), packetization-mode 0 (104, 114) and Main (116) come first and are skipped.
  const h264Only = videoFormats(CHROMIUM_H264_FIRST_PUBLISH_OFFER, ['102', '103', '104', '107', '116', '117', '108', '109']);
  const negotiation = negotiatePublishOffer(parseSdp(h264Only));
  const video = negotiation.sections[1]!.stream!;
  assert.deepEqual([video.codec, video.payloadType, video.rtxPayloadType, video.pli], ['h264', 108, 109, true]);
  const answer = parseSdp(writePublishAnswer(negotiation, LOCAL, { id: '9', version: 1 }));
  assert.deepEqual(readCodecs(answer.media[1]!).map((c) => [c.payloadType, c.name, c.fmtp]), [
    [108, 'H264', 'level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f'],
    [109, 'rtx', 'apt=108'],
  ]);
  // Safari-like numbering and a High-profile entry first: still the constrained-baseline one.
  const renumbered = h264Only.replace(/profile-level-id=42001f/g, 'profile-level-id=640c1f').replace(/profile-level-id=42e01f/g, 'profile-level-id=42c034');
  assert.equal(negotiatePublishOffer(parseSdp(renumbered)).sections[1]!.stream!.payloadType, 108);
  // Only Baseline/Main/High: nothing we can promise subscribers, the camera is rejected.
  const noConstrained = videoFormats(CHROMIUM_H264_FIRST_PUBLISH_OFFER, ['102', '103', '116', '117']);
  assert.equal(negotiatePublishOffer(parseSdp(noConstrained)).sections[1]!.stream, undefined);
});

test('constrained baseline in every profile-level-id form RFC 6184 allows', () => {
  for (const id of ['42e01f', '42E01F', '42c01f', '42e034', '42401e', '4d801f', '4de01f', '58c01f']) assert.ok(isConstrainedBaseline(id), id);
  for (const id of ['42001f', '4d001f', '640c1f', 'f4001f', '42e11f', '58801f', '42e0', 'zzzzzz', undefined]) assert.ok(!isConstrainedBaseline(id), String(id));
});

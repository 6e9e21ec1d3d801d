import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RtpExtensionUri } from '@confab/wire';
import type { LocalIceDtlsParameters } from '../net/index';
import { CHROMIUM_PUBLISH_OFFER } from './chromiumDescriptions.fixture';
import { parseSdp } from './parseSdp';
import { writePublishAnswer } from './publishAnswer';
import { negotiatePublishOffer } from './publishOffer';
import { readRemoteTransport } from './remoteTransport';
import { readCodecs, readExtensions } from './rtpParameters';

const LOCAL: LocalIceDtlsParameters = {
  usernameFragment: 'srvU',
  password: 'serverpasswordserverpass',
  iceLite: true,
  fingerprint: { algorithm: 'sha-256', value: 'AA:BB' },
  dtlsRole: 'server',
  candidates: [
    { foundation: 'u0', component: 1, protocol: 'udp', priority: 2130706431, address: '127.0.0.1', port: 40000, type: 'host' },
    { foundation: 't0', component: 1, protocol: 'tcp', priority: 2124414975, address: '127.0.0.1', port: 40001, type: 'host', tcpType: 'passive' },
  ],
};

/** The offer with the video m-line's payload types reordered so `first` leads. */
function preferring(first: string[]): string {
  return CHROMIUM_PUBLISH_OFFER.replace(/^m=video 9 UDP\/TLS\/RTP\/SAVPF (.*)$/m, (_line, formats: string) => {
    const rest = formats.split(' ').filter((f) => !first.includes(f));
    return `m=video 9 UDP/TLS/RTP/SAVPF ${[...first, ...rest].join(' ')}`;
  });
}

test('a Chromium offer: transport parameters, one stream per m-section with its SSRCs and feedback', () => {
  const parsed = parseSdp(CHROMIUM_PUBLISH_OFFER);
  assert.deepEqual(readRemoteTransport(parsed), {
    usernameFragment: '0Spn',
    fingerprints: [{ algorithm: 'sha-256', value: '48:4D:DD:8C:5C:5B:08:E5:03:4A:55:F1:E5:F2:F9:9A:45:6E:23:A6:A5:03:F3:DD:35:2F:54:70:61:11:8D:60' }],
    setup: 'actpass',
  });
  const { sections, extensionIds } = negotiatePublishOffer(parsed);
  assert.deepEqual(extensionIds, { audioLevel: 1, absSendTime: 2, transportCc: 3, mid: 4, rid: 10, repairedRid: 11 });
  const [audio, video] = sections.map((s) => s.stream);
  assert.deepEqual(audio, {
    mid: '0', kind: 'audio', codec: 'opus', payloadType: 111, rtxPayloadType: -1, clockRate: 48000,
    ssrc: 1142036875, rtxSsrc: undefined, layers: [], nack: false, pli: false, fir: false,
  });
  assert.deepEqual(video, {
    mid: '1', kind: 'video', codec: 'vp8', payloadType: 96, rtxPayloadType: 97, clockRate: 90000,
    ssrc: 2313381770, rtxSsrc: 2524391433, layers: [], nack: true, pli: true, fir: true,
  });
  // toffset, video-orientation, playout-delay ... are not read, so not answered.
  assert.deepEqual(sections[1]!.extensions.map((e) => e.uri).sort(), [
    RtpExtensionUri.absSendTime, RtpExtensionUri.transportWideCc, RtpExtensionUri.mid, RtpExtensionUri.rid, RtpExtensionUri.repairedRid,
  ].sort());
  assert.deepEqual(sections[1]!.rids, [], 'no simulcast offered: none answered');
});

test('H264 only as constrained baseline with packetization-mode 1, whatever the publisher prefers', () => {
  // 102 is baseline 42001f, 104/114 are packetization-mode 0, 108 is 42e01f mode 1.
  const stream = negotiatePublishOffer(parseSdp(preferring(['102', '104', '114', '108', '109']))).sections[1]!.stream!;
  assert.equal(stream.codec, 'h264');
  assert.equal(stream.payloadType, 108);
  assert.equal(stream.rtxPayloadType, 109);
  // VP9 and AV1 first: skipped for VP8.
  assert.equal(negotiatePublishOffer(parseSdp(preferring(['98', '45', '96']))).sections[1]!.stream!.payloadType, 96);
});

test('the answer: ICE-lite, passive DTLS, recvonly, our one codec with RTX, transport-cc kept, REMB not', () => {
  const negotiation = negotiatePublishOffer(parseSdp(CHROMIUM_PUBLISH_OFFER));
  const sdp = writePublishAnswer(negotiation, LOCAL, { id: '7', version: 2 });
  assert.ok(sdp.endsWith('\r\n') && !sdp.includes('\n\n'));
  const answer = parseSdp(sdp);
  assert.ok(answer.session.some((a) => a.name === 'ice-lite'));
  assert.deepEqual(answer.session.find((a) => a.name === 'group'), { name: 'group', value: 'BUNDLE 0 1' });
  assert.equal(readRemoteTransport(answer).setup, 'passive');
  const [audio, video] = answer.media;
  assert.deepEqual([audio!.mid, audio!.direction, audio!.formats], ['0', 'recvonly', ['111']]);
  assert.deepEqual([video!.mid, video!.direction, video!.formats], ['1', 'recvonly', ['96', '97']]);
  const vp8 = readCodecs(video!)[0]!;
  assert.deepEqual(vp8.feedback.sort(), ['ccm fir', 'nack', 'nack pli', 'transport-cc']);
  assert.deepEqual(readCodecs(video!)[1]!.params.get('apt'), '96');
  assert.deepEqual(readCodecs(audio!)[0]!.feedback, ['transport-cc']);
  assert.deepEqual(readExtensions(audio!).map((e) => e.id).sort(), [1, 2, 3, 4]);
  assert.match(sdp, /^a=candidate:u0 1 udp 2130706431 127\.0\.0\.1 40000 typ host$/m);
  assert.match(sdp, /^a=candidate:t0 1 tcp \d+ 127\.0\.0\.1 40001 typ host tcptype passive$/m);
  assert.match(sdp, /^a=rtcp-rsize$/m);
});

test('m-sections we do not forward are rejected; nothing usable at all is an error', () => {
  const withData = CHROMIUM_PUBLISH_OFFER.replace('a=group:BUNDLE 0 1', 'a=group:BUNDLE 0 1 2') +
    'm=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\nc=IN IP4 0.0.0.0\r\na=mid:2\r\na=sctp-port:5000\r\n';
  const negotiation = negotiatePublishOffer(parseSdp(withData));
  assert.equal(negotiation.sections[2]!.stream, undefined);
  const answer = parseSdp(writePublishAnswer(negotiation, LOCAL, { id: '7', version: 2 }));
  assert.deepEqual([answer.media[2]!.kind, answer.media[2]!.port, answer.media[2]!.mid], ['application', 0, '2']);
  assert.equal(answer.session.find((a) => a.name === 'group')?.value, 'BUNDLE 0 1');

  const vp9Only = preferring(['98']).replace(/^a=rtpmap:(96|102|108) .*$/gm, '');
  const audioVp9 = negotiatePublishOffer(parseSdp(vp9Only));
  assert.equal(audioVp9.sections[1]!.stream, undefined, 'video without VP8 or constrained-baseline H264 is rejected');
  const noCodecs = ['v=0', 's=-', 'm=video 9 UDP/TLS/RTP/SAVPF 120', 'a=mid:0', 'a=rtpmap:120 FOO/90000', ''].join('\r\n');
  assert.throws(() => negotiatePublishOffer(parseSdp(noCodecs)), /no media section offers a codec we forward/);
  assert.throws(() => parseSdp('v=0\r\nnonsense\r\n'), /unreadable SDP line/);
  assert.throws(() => readRemoteTransport(parseSdp('v=0\r\nm=audio 9 RTP/SAVPF 111\r\na=mid:0\r\n')), /ice-ufrag/);
});

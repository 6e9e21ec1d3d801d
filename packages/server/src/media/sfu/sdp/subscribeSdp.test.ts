import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SUBSCRIBE_CODECS } from '../codecs';
import type { LocalIceDtlsParameters } from '../net/index';
import { CHROMIUM_SUBSCRIBE_ANSWER } from './chromiumDescriptions.fixture';
import { parseSdp, sectionAttributes } from './parseSdp';
import { readRemoteTransport } from './remoteTransport';
import { readCodecs, readSsrcs } from './rtpParameters';
import { readSubscribeAnswer } from './subscribeAnswer';
import { SUBSCRIBE_AUDIO_LEVEL_ID, SUBSCRIBE_TRANSPORT_CC_ID, writeSubscribeOffer, type OfferSection } from './subscribeOffer';

const TWCC = `${SUBSCRIBE_TRANSPORT_CC_ID} http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01`;

const LOCAL: LocalIceDtlsParameters = {
  usernameFragment: 'srvU',
  password: 'serverpasswordserverpass',
  iceLite: true,
  fingerprint: { algorithm: 'sha-256', value: 'AA:BB' },
  dtlsRole: 'server',
  candidates: [{ foundation: 'u0', component: 1, protocol: 'udp', priority: 2130706431, address: '127.0.0.1', port: 40000, type: 'host' }],
};

const sender = (ssrc: number, trackId: string) => ({ ssrc, rtxSsrc: ssrc + 1, cname: 'PA_alice', streamId: 'PA_alice', trackId });

test('an offer: one sendonly m-section per consumer with our payload types, SSRCs, msid and cname', () => {
  const sections: OfferSection[] = [
    { mid: '0', kind: 'audio', codecs: [SUBSCRIBE_CODECS.opus], sender: sender(1001, 'TR_mic') },
    { mid: '1', kind: 'video', codecs: [SUBSCRIBE_CODECS.vp8], sender: sender(2001, 'TR_cam') },
  ];
  const offer = parseSdp(writeSubscribeOffer(sections, LOCAL, { id: '42', version: 3 }));
  assert.ok(offer.session.some((a) => a.name === 'ice-lite'));
  assert.equal(offer.session.find((a) => a.name === 'group')?.value, 'BUNDLE 0 1');
  assert.equal(readRemoteTransport(offer).setup, 'actpass');
  const [audio, video] = offer.media;
  assert.deepEqual([audio!.direction, audio!.formats, sectionAttributes(audio!, 'extmap')], ['sendonly', ['111'], [`${SUBSCRIBE_AUDIO_LEVEL_ID} urn:ietf:params:rtp-hdrext:ssrc-audio-level`, TWCC]]);
  assert.deepEqual(readCodecs(audio!)[0]!.feedback, ['transport-cc']);
  assert.deepEqual(readSsrcs(audio!), { primary: 1001, rtx: undefined });
  assert.deepEqual(sectionAttributes(audio!, 'msid'), ['PA_alice TR_mic']);
  assert.deepEqual([video!.direction, video!.formats, sectionAttributes(video!, 'extmap')], ['sendonly', ['96', '97'], [TWCC]]);
  assert.deepEqual(readSsrcs(video!), { primary: 2001, rtx: 2002 });
  assert.ok(sectionAttributes(video!, 'ssrc').includes('2002 cname:PA_alice'));
  assert.deepEqual(readCodecs(video!)[0]!.feedback, ['transport-cc', 'nack', 'nack pli', 'ccm fir']);
});

test('closed consumers: rejected and out of BUNDLE, except the tag, which stays inactive with a port', () => {
  const sections: OfferSection[] = [
    { mid: '0', kind: 'audio', codecs: [SUBSCRIBE_CODECS.opus], sender: null },
    { mid: '1', kind: 'video', codecs: [SUBSCRIBE_CODECS.vp8], sender: null },
    { mid: '2', kind: 'video', codecs: [SUBSCRIBE_CODECS.h264], sender: sender(3001, 'TR_cam2') },
  ];
  const offer = parseSdp(writeSubscribeOffer(sections, LOCAL, { id: '42', version: 4 }));
  assert.equal(offer.session.find((a) => a.name === 'group')?.value, 'BUNDLE 0 2');
  assert.deepEqual(offer.media.map((m) => [m.mid, m.port, m.direction]), [['0', 9, 'inactive'], ['1', 0, 'inactive'], ['2', 9, 'sendonly']]);
  // werift cannot read a rejected m-section without its codecs.
  assert.deepEqual(readCodecs(offer.media[1]!).map((c) => c.name), ['VP8', 'rtx']);
  assert.deepEqual(sectionAttributes(offer.media[0]!, 'ssrc'), []);
  assert.equal(readCodecs(offer.media[2]!)[0]!.params.get('profile-level-id'), '42e01f');
});

test('a Chromium answer: what each m-section accepts', () => {
  const answer = parseSdp(CHROMIUM_SUBSCRIBE_ANSWER);
  assert.equal(readRemoteTransport(answer).setup, 'active');
  assert.equal(readRemoteTransport(answer).usernameFragment, 'LwtO');
  const receivers = readSubscribeAnswer(answer);
  assert.deepEqual(receivers.get('0'), { mid: '0', receiving: true, payloadTypes: new Set([111]), audioLevelId: 1, transportCcId: 0 });
  assert.deepEqual(receivers.get('1'), { mid: '1', receiving: true, payloadTypes: new Set([96, 97, 102, 103]), audioLevelId: 0, transportCcId: 0 });
  assert.equal(receivers.get('2')?.receiving, false);
});

test('an answer that takes transport-wide-cc: its id, per m-section', () => {
  const withTwcc = CHROMIUM_SUBSCRIBE_ANSWER.replace(/(a=mid:1\r\n)/, `$1a=extmap:${TWCC}\r\n`);
  assert.notEqual(withTwcc, CHROMIUM_SUBSCRIBE_ANSWER);
  const receivers = readSubscribeAnswer(parseSdp(withTwcc));
  assert.equal(receivers.get('1')?.transportCcId, SUBSCRIBE_TRANSPORT_CC_ID);
  assert.equal(receivers.get('0')?.transportCcId, 0);
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RtpExtensionUri } from '@confab/wire';
import type { LocalIceDtlsParameters } from '../net/index';
import { CHROMIUM_SIMULCAST_OFFER } from './chromiumSimulcast.fixture';
import { parseSdp, sectionAttributes } from './parseSdp';
import { writePublishAnswer } from './publishAnswer';
import { negotiatePublishOffer } from './publishOffer';
import { readExtensions, readSimulcast } from './rtpParameters';

const LOCAL: LocalIceDtlsParameters = {
  usernameFragment: 'srvU',
  password: 'serverpasswordserverpass',
  iceLite: true,
  fingerprint: { algorithm: 'sha-256', value: 'AA:BB' },
  dtlsRole: 'server',
  candidates: [{ foundation: 'u0', component: 1, protocol: 'udp', priority: 2130706431, address: '127.0.0.1', port: 40000, type: 'host' }],
};

test('a Chromium rid simulcast offer: three layers low to high, no SSRCs, rid extensions kept', () => {
  const { sections, extensionIds } = negotiatePublishOffer(parseSdp(CHROMIUM_SIMULCAST_OFFER));
  assert.equal(extensionIds.rid, 10);
  assert.equal(extensionIds.repairedRid, 11);
  assert.equal(extensionIds.mid, 4);
  const video = sections[1]!;
  assert.deepEqual(video.stream!.layers, [
    { rid: 'q', ssrc: undefined, rtx: undefined },
    { rid: 'h', ssrc: undefined, rtx: undefined },
    { rid: 'f', ssrc: undefined, rtx: undefined },
  ]);
  assert.equal(video.stream!.ssrc, undefined);
  assert.deepEqual(video.rids, ['q', 'h', 'f']);
  assert.deepEqual(sections[0]!.stream!.layers, [], 'audio is never simulcast');
  const uris = video.extensions.map((e) => e.uri);
  assert.ok(uris.includes(RtpExtensionUri.rid) && uris.includes(RtpExtensionUri.repairedRid) && uris.includes(RtpExtensionUri.mid));
});

test('the answer receives the rids: a=rid:<id> recv and a=simulcast:recv in the same order', () => {
  const sdp = writePublishAnswer(negotiatePublishOffer(parseSdp(CHROMIUM_SIMULCAST_OFFER)), LOCAL, { id: '1', version: 2 });
  const [audio, video] = parseSdp(sdp).media;
  assert.deepEqual(sectionAttributes(video!, 'rid'), ['q recv', 'h recv', 'f recv']);
  assert.deepEqual(sectionAttributes(video!, 'simulcast'), ['recv q;h;f']);
  assert.deepEqual(sectionAttributes(audio!, 'rid'), []);
  const ids = readExtensions(video!).map((e) => `${e.id} ${e.uri}`);
  assert.ok(ids.includes(`10 ${RtpExtensionUri.rid}`) && ids.includes(`11 ${RtpExtensionUri.repairedRid}`));
});

test('simulcast variants: paused (~) and alternative rids, a rid without a send line, and ssrc-group:SIM', () => {
  const section = (lines: string[]) => parseSdp(['v=0', 's=-', 'm=video 9 UDP/TLS/RTP/SAVPF 96 97', 'a=mid:1', ...lines, ''].join('\r\n')).media[0]!;
  assert.deepEqual(
    readSimulcast(section(['a=rid:a send', 'a=rid:b send', 'a=rid:c send', 'a=simulcast:send ~a;b,c;c'])).map((l) => l.rid),
    ['a', 'b', 'c'],
  );
  assert.deepEqual(readSimulcast(section(['a=rid:a send', 'a=simulcast:send a;x'])), [], 'one layer is no simulcast');
  assert.deepEqual(readSimulcast(section(['a=rid:a recv', 'a=rid:b recv', 'a=simulcast:recv a;b'])), []);
  // The SIM form (no rids): layers by SSRC, each with its FID partner.
  const sim = readSimulcast(section([
    'a=ssrc-group:FID 11 21', 'a=ssrc-group:FID 12 22', 'a=ssrc-group:FID 13 23', 'a=ssrc-group:SIM 11 12 13',
    'a=ssrc:11 cname:x', 'a=ssrc:12 cname:x', 'a=ssrc:13 cname:x',
  ]));
  assert.deepEqual(sim, [{ rid: '0', ssrc: 11, rtx: 21 }, { rid: '1', ssrc: 12, rtx: 22 }, { rid: '2', ssrc: 13, rtx: 23 }]);
  assert.deepEqual(readSimulcast(section(['a=ssrc-group:SIM 11 nope'])), []);
});

test('a SIM offer is answered without rids (the SSRCs say it all)', () => {
  const offer = CHROMIUM_SIMULCAST_OFFER.replace(/a=rid:. send\r\n/g, '').replace('a=simulcast:send q;h;f\r\n',
    'a=ssrc-group:FID 11 21\r\na=ssrc-group:FID 12 22\r\na=ssrc-group:SIM 11 12\r\na=ssrc:11 cname:x\r\na=ssrc:12 cname:x\r\na=ssrc:21 cname:x\r\na=ssrc:22 cname:x\r\n');
  const negotiation = negotiatePublishOffer(parseSdp(offer));
  assert.deepEqual(negotiation.sections[1]!.stream!.layers, [{ rid: '0', ssrc: 11, rtx: 21 }, { rid: '1', ssrc: 12, rtx: 22 }]);
  assert.deepEqual(negotiation.sections[1]!.rids, []);
  assert.doesNotMatch(writePublishAnswer(negotiation, LOCAL, { id: '1', version: 2 }), /a=rid|a=simulcast/);
});

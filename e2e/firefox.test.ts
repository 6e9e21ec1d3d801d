/**
 * Firefox (Debian's firefox-esr, over WebDriver BiDi) in rooms with Chromium, on the sfu engine:
 * Fox joins between Alice and Bob (Chromium); everyone sees and hears everyone; Fox shares a
 * screen, mutes and unmutes, loses the network for 3 s and resumes, then leaves. Then a publisher
 * that puts H264 first reaches a Chromium and a Firefox subscriber. Steps build on each other.
 *
 * Firefox gathers no ICE candidates on loopback alone, so the namespace gets a veth address
 * (support/vethNetwork.ts) and the server announces it. Fox's first-frame times both ways are
 * printed as `[measure] firefox_first_frame_*`.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import type { Browser as FirefoxBrowser } from 'puppeteer-core';
import { uniqueRoom } from './support/browser';
import { launchFirefox, openFirefoxParticipant, SCREEN_AS_TAB, type FirefoxParticipant } from './support/firefox';
import { createHarness, type Harness } from './support/harness';
import { localUdpPorts, NetworkCut } from './support/network';
import {
  expectAudioEnergy,
  expectAudioReceived,
  expectStandsStill,
  expectTilePlaying,
  expectVideoDecoded,
  pageTimings,
  pick,
  remoteStats,
  tileSelector,
  waitGone,
  waitRising,
  watchGone,
  type PageReader,
  type RemoteTrackStats,
} from './support/observe';
import { SCREEN_BUTTON } from './support/ui';
import { VethNetwork } from './support/vethNetwork';
import { measure, sleep, waitFor } from './support/wait';

/** Fox reaches the server on its own loopback address, so its signaling can be cut alone. */
const FOX_ADDRESS = '127.0.0.2';
const MUTE_MIC = 'footer button[aria-label="Mute microphone"]';
const UNMUTE_MIC = 'footer button[aria-label="Unmute microphone"]';
const CAMERA_OFF = 'footer button[aria-label="Turn off camera"]';
const CAMERA_ON = 'footer button[aria-label="Turn on camera"]';
/** How long a muted track's counters must stand still. */

/** Records, in a page, who its SDK saw join and leave (epoch ms). */
const PRESENCE_RECORDER = `(() => {
  const log = [];
  Object.defineProperty(window, '__e2ePresence', { value: log });
  window.confabRoom.on('participantJoined', (p) => log.push({ at: Date.now(), type: 'joined', name: p.name }));
  window.confabRoom.on('participantLeft', (p) => log.push({ at: Date.now(), type: 'left', name: p.name }));
})()`;

/**
 * Chromium offering H264 before everything else on its camera, as Safari does: every video
 * transceiver gets H264 first, and any codec order set later (the SDK puts its configured codec
 * first) keeps H264 in front, as a browser with its own preference would.
 */
const PREFER_H264 = `(() => {
  const h264First = (codecs) => {
    const h264 = codecs.filter((c) => c.mimeType.toLowerCase() === 'video/h264');
    return [...h264, ...codecs.filter((c) => !h264.includes(c))];
  };
  const setPreferences = RTCRtpTransceiver.prototype.setCodecPreferences;
  RTCRtpTransceiver.prototype.setCodecPreferences = function (codecs) {
    const video = codecs.some((c) => c.mimeType.toLowerCase().startsWith('video/'));
    return setPreferences.call(this, video ? h264First(codecs) : codecs);
  };
  const add = RTCPeerConnection.prototype.addTransceiver;
  RTCPeerConnection.prototype.addTransceiver = function (trackOrKind, init) {
    const transceiver = add.call(this, trackOrKind, init);
    const kind = typeof trackOrKind === 'string' ? trackOrKind : trackOrKind.kind;
    if (kind === 'video') transceiver.setCodecPreferences(RTCRtpReceiver.getCapabilities('video').codecs);
    return transceiver;
  };
})();`;

let veth: VethNetwork;
let h: Harness;
let firefox: FirefoxBrowser;
let fox: FirefoxParticipant | undefined;
const firefoxPeople: FirefoxParticipant[] = [];

async function joinFirefox(room: string, name: string, initScripts: string[] = []): Promise<FirefoxParticipant> {
  const p = await openFirefoxParticipant(firefox, h.server.httpBase, room, name, { baseUrl: `http://${FOX_ADDRESS}:${h.server.port}`, initScripts });
  firefoxPeople.push(p);
  return p;
}

/** Clicks a Firefox control-bar button and waits for the one that undoes it. */
async function foxClick(selector: string, then: string): Promise<void> {
  await fox!.page.click(selector);
  await fox!.page.waitForSelector(then, { visible: true, timeout: 10_000 });
}

/** epoch ms of a page-clock reading (performance.now() in that page). */
async function epochOf(page: PageReader, pageNow: number): Promise<number> {
  return (await page.evaluate(() => performance.timeOrigin)) + pageNow;
}

/** A Chromium viewer's look at `name`'s camera tile: muted-mic badge and camera on/off. */
async function tileState(page: Page, name: string): Promise<{ micMuted: boolean; video: string | null } | null> {
  return page.evaluate((sel) => {
    const tile = document.querySelector(sel);
    return tile === null ? null : { micMuted: tile.classList.contains('mic-muted'), video: tile.getAttribute('data-video') };
  }, tileSelector(name));
}

async function presence(page: Page): Promise<{ at: number; type: string; name: string }[]> {
  return page.evaluate(() => (window as unknown as { __e2ePresence: { at: number; type: string; name: string }[] }).__e2ePresence.slice());
}

/** On failure, the pages' console errors (Chromium and Firefox) and the server's output. */
function steps(fn: () => Promise<void>): () => Promise<void> {
  return h0(async () => {
    try {
      await fn();
    } catch (err) {
      const e = err instanceof Error ? err : new Error(String(err));
      const logs = firefoxPeople.map((p) => p.diagnostics()).filter(Boolean).join('\n');
      if (logs) e.message += `\n--- Firefox console (last 4 KB) ---\n${logs.slice(-4096)}`;
      throw e;
    }
  });
}

function h0(fn: () => Promise<void>): () => Promise<void> {
  return () => h.run(fn)();
}

describe('Firefox with Chromium: camera, microphone, screen, mute, network cut, leave; an H264-first publisher', { timeout: 240_000 }, () => {
  const room = uniqueRoom('e2e-firefox');

  before(async () => {
    veth = await VethNetwork.up();
    // Every media path in this file goes through the sfu engine, announced on the veth address.
    h = await createHarness({ env: { CONFAB_HOST: '0.0.0.0', CONFAB_PUBLIC_IP: veth.address, CONFAB_MEDIA_ENGINE: 'sfu' }, readyTimeoutMs: 60_000 });
    firefox = await launchFirefox();
  });
  after(async () => {
    if (process.env['CONFAB_E2E_VERBOSE']) for (const p of firefoxPeople) if (p.diagnostics()) console.log(p.diagnostics());
    for (const p of firefoxPeople) await p.close();
    await firefox?.close().catch(() => {});
    await h?.close();
    await veth?.down();
  });

  test('Alice (Chromium), Fox (Firefox) and Bob (Chromium): each decodes every other camera and hears every other microphone', steps(async () => {
    const alice = (await h.join(room, 'Alice')).page;
    fox = await joinFirefox(room, 'Fox', [SCREEN_AS_TAB]);
    const bob = (await h.join(room, 'Bob')).page;
    const viewers: [PageReader, string][] = [[alice, 'Alice'], [fox.reader, 'Fox'], [bob, 'Bob']];
    for (const [page, viewer] of viewers) {
      for (const name of ['Alice', 'Fox', 'Bob']) {
        if (name === viewer) continue;
        const tile = await expectTilePlaying(page, viewer, name, 'camera', 30_000);
        assert.ok(tile.videoWidth > 0 && !tile.local, `${viewer} shows ${name}'s camera`);
        await expectVideoDecoded(page, viewer, name, 'camera', 20_000);
        await expectAudioReceived(page, viewer, name, 20_000);
        // Chromium's fake microphone beeps, Firefox's plays a tone: either is above silence.
        await expectAudioEnergy(page, viewer, name, 20_000);
      }
    }
    // Fox's first frames: of Alice's camera at Fox, and of Fox's camera at Alice, from Fox entering the room.
    const foxTimes = await pageTimings(fox.reader);
    const aliceTimes = await pageTimings(alice);
    assert.ok(foxTimes.inRoomAt !== null && foxTimes.firstFrame['Alice|camera'] !== undefined && aliceTimes.firstFrame['Fox|camera'] !== undefined);
    const foxInRoom = await epochOf(fox.reader, foxTimes.inRoomAt);
    measure('firefox_first_frame_received_ms', foxTimes.firstFrame['Alice|camera']! - foxTimes.inRoomAt, 'Fox in the room -> first frame of Alice (Chromium) at Fox');
    measure('firefox_first_frame_sent_ms', (await epochOf(alice, aliceTimes.firstFrame['Fox|camera']!)) - foxInRoom, 'Fox in the room -> first frame of Fox at Alice (Chromium)');
    const codecs = await fox.page.evaluate(() => RTCRtpSender.getCapabilities('video')?.codecs.map((c) => c.mimeType) ?? []);
    console.log(`# Firefox ${await fox.page.browser().version()} sends video as: ${[...new Set(codecs)].join(', ')}`);
  }));

  test('Fox shares a screen (Firefox tab capture): Alice and Bob get a playing screen tile; it goes when Fox stops', steps(async () => {
    const alice = h.person('Alice').page;
    const bob = h.person('Bob').page;
    await fox!.page.click(SCREEN_BUTTON);
    for (const [page, viewer] of [[alice, 'Alice'], [bob, 'Bob']] as const) {
      const tile = await expectTilePlaying(page, viewer, 'Fox', 'screen', 30_000);
      assert.ok(tile.videoWidth > 0, `${viewer} shows Fox's screen`);
      await expectVideoDecoded(page, viewer, 'Fox', 'screen', 20_000);
    }
    await fox!.page.click(SCREEN_BUTTON);
    for (const [page, viewer] of [[alice, 'Alice'], [bob, 'Bob']] as const) {
      await waitFor(async () => (await page.$(tileSelector('Fox', 'screen'))) === null, { timeout: 10_000, message: `${viewer}: Fox's screen tile disappears` });
      await expectVideoDecoded(page, viewer, 'Fox', 'camera', 10_000);
    }
  }));

  test('Fox mutes the microphone and turns the camera off: Alice sees both, packets and frames stop; both come back', steps(async () => {
    const alice = h.person('Alice').page;
    await foxClick(MUTE_MIC, UNMUTE_MIC);
    await waitFor(async () => (await tileState(alice, 'Fox'))?.micMuted === true, { timeout: 10_000, message: "Alice sees Fox's muted-mic badge" });
    await expectStandsStill(alice, 'Fox', 'audio', ['packetsReceived'], "Alice's inbound audio from muted Fox");
    await foxClick(CAMERA_OFF, CAMERA_ON);
    await waitFor(async () => (await tileState(alice, 'Fox'))?.video === 'off', { timeout: 10_000, message: "Alice sees Fox's camera off" });
    await expectStandsStill(alice, 'Fox', 'video', ['framesDecoded'], "Alice's inbound video from Fox with the camera off");

    await foxClick(UNMUTE_MIC, MUTE_MIC);
    await foxClick(CAMERA_ON, CAMERA_OFF);
    await waitFor(async () => {
      const state = await tileState(alice, 'Fox');
      return state !== null && !state.micMuted && state.video === 'on';
    }, { timeout: 10_000, message: "Alice sees Fox's microphone and camera on again" });
    await waitRising(async () => pick(await remoteStats(alice), 'Fox', 'audio')?.packetsReceived, "Alice receives Fox's audio again", 10_000);
    await expectVideoDecoded(alice, 'Alice', 'Fox', 'camera', 10_000);
  }));

  test('a 3 s network cut on Fox resumes the same session: nobody sees Fox leave, video comes back', steps(async () => {
    const alice = h.person('Alice').page;
    const bob = h.person('Bob').page;
    for (const page of [alice, bob]) await page.evaluate(PRESENCE_RECORDER);
    const selfId = () => fox!.page.evaluate(() => (window as unknown as { confabRoom: { localParticipant: { id: string } } }).confabRoom.localParticipant.id);
    const idBefore = await selfId();
    const cut = new NetworkCut(FOX_ADDRESS, h.server.port);
    await cut.cut(await localUdpPorts(fox!.reader));
    const cutAt = Date.now();
    try {
      await sleep(3_000);
    } finally {
      await cut.restore();
    }
    const restoredAt = Date.now();
    const framesAt = async (page: Page) => pick(await remoteStats(page), 'Fox', 'video', 'camera')?.framesDecoded ?? 0;
    const [aliceStart, bobStart] = [await framesAt(alice), await framesAt(bob)];
    await waitFor(async () => (await framesAt(alice)) >= aliceStart + 3 && (await framesAt(bob)) >= bobStart + 3, {
      timeout: 30_000,
      interval: 100,
      message: "Alice and Bob decode Fox's video again after the cut",
    });
    measure('firefox_cut_3s_video_again_ms', Date.now() - restoredAt, 'network back -> Alice and Bob decode Fox again');
    assert.equal(await selfId(), idBefore, 'Fox keeps its participant id');
    assert.equal(await fox!.page.evaluate(() => document.body.dataset['state']), 'in-room');
    for (const [page, viewer] of [[alice, 'Alice'], [bob, 'Bob']] as const) {
      const seen = (await presence(page)).filter((e) => e.name === 'Fox' && e.at >= cutAt);
      assert.deepEqual(seen, [], `${viewer} saw Fox neither leave nor join`);
    }
    await expectVideoDecoded(fox!.reader, 'Fox', 'Alice', 'camera', 15_000);
  }));

  test('Fox leaves (tab closed): gone from Alice and Bob within 3 s', steps(async () => {
    const alice = h.person('Alice').page;
    const bob = h.person('Bob').page;
    await watchGone(alice, 'Fox');
    await watchGone(bob, 'Fox');
    const closedAt = await fox!.close();
    for (const [page, viewer] of [[alice, 'Alice'], [bob, 'Bob']] as const) {
      const goneAt = await waitGone(page, viewer, 'Fox', 10_000);
      measure(`firefox_leave_gone_at_${viewer.toLowerCase()}_ms`, goneAt - closedAt);
      assert.ok(goneAt - closedAt < 3_000, `${viewer} still showed Fox ${goneAt - closedAt} ms after the tab closed`);
    }
    fox = undefined;
  }));

  test('Hana (Chromium) offers H264 first: Ivan (Chromium) and Fern (Firefox) both decode her camera', steps(async () => {
    const h264Room = uniqueRoom('e2e-h264');
    const hana = (await h.join(h264Room, 'Hana', { initScript: PREFER_H264 })).page;
    // The premise: Hana's publisher offer really leads with H264 on the camera.
    const offered = await waitFor(() => hana.evaluate(() => {
      const pcs = (window as unknown as { __confabPeerConnections: RTCPeerConnection[] }).__confabPeerConnections;
      const sdp = pcs.map((pc) => pc.localDescription?.type === 'offer' ? pc.localDescription.sdp : '').find((s) => /^m=video/m.test(s)) ?? '';
      const first = /^m=video \d+ \S+ (\d+)/m.exec(sdp)?.[1];
      return new RegExp(`^a=rtpmap:${first} ([^/]+)/`, 'm').exec(sdp)?.[1] ?? null;
    }), { timeout: 20_000, message: "Hana's publisher offer carries her camera" });
    assert.equal(offered, 'H264', "Hana's offer puts H264 first on her camera");
    const ivan = (await h.join(h264Room, 'Ivan')).page;
    const fern = await joinFirefox(h264Room, 'Fern');
    for (const [page, viewer] of [[ivan, 'Ivan'], [fern.reader, 'Fern']] as const) {
      const tile = await expectTilePlaying(page, viewer, 'Hana', 'camera', 30_000);
      assert.ok(tile.videoWidth > 0);
      await expectVideoDecoded(page, viewer, 'Hana', 'camera', 20_000);
    }
    const sent = await hana.evaluate(async () => {
      const pcs = (window as unknown as { __confabPeerConnections: RTCPeerConnection[] }).__confabPeerConnections;
      for (const pc of pcs) {
        const report = await pc.getStats();
        for (const s of report.values()) {
          if (s.type === 'outbound-rtp' && s.kind === 'video' && s.codecId) return report.get(s.codecId)?.mimeType ?? null;
        }
      }
      return null;
    });
    const firefoxH264 = await fern.page.evaluate(() => RTCRtpSender.getCapabilities('video')?.codecs.some((c) => c.mimeType === 'video/H264') ?? false);
    console.log(`# H264-first publisher: Hana sends ${sent}; Firefox here ${firefoxH264 ? 'can' : 'cannot'} send H264 (${firefoxH264 ? '' : 'no OpenH264 plugin, '}so a forced-H264 Firefox publisher is not tested)`);
  }));
});

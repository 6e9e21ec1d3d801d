/**
 * Active speaker, from the server: three people, each in a Chromium of their own whose microphone
 * is a file (--use-file-for-fake-audio-capture) with speech at known times. The dominant speaker is
 * what the web app marks (`data-dominant` on the tile), driven by the server's `active_speakers`.
 *
 * Each file starts when its browser opens the microphone (recorded in the page as `captureAt`),
 * so the timeline of each is known in wall-clock time, and the moment speech really starts is what
 * the speaker's own page sees its microphone get loud (media-source audioLevel):
 *   Alice: speech  20-28 s
 *   Bob:   speech  40-48 s
 *   Carol: a 200 ms burst at 58 s (a cough), otherwise silent
 * Asserted: Alice is the dominant speaker within 1 s of starting; Bob takes over within 1.5 s of
 * starting; Carol's burst does not take it. Times are printed as [measure] lines.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { ServerProcess } from '@confab/loadtest';
import { openParticipant, screenshot, uniqueRoom, type Participant } from './support/browser';
import { startTogether } from './support/harness';
import { audioTimeline, launchParticipantBrowser } from './support/impair/index';
import { waitFor } from './support/wait';

// Far apart, so that participants who open their microphones up to ~10 s apart (a loaded CI
// machine) still speak one after the other.
const FILE_SECONDS = 75;
const ALICE_AT = 20;
const BOB_AT = 40;
const SPEECH_SECONDS = 8;
const COUGH_AT = 58;
const COUGH_SECONDS = 0.2;

/** Records in every page: when the microphone opened (epoch ms), and every dominant-speaker change seen. */
const RECORDER = `(() => {
  if (window.top !== window) return;
  const rec = { captureAt: null, dominant: [], speaking: [] };
  Object.defineProperty(window, '__speaker', { value: rec });
  const md = navigator.mediaDevices;
  if (md && md.getUserMedia) {
    const gum = md.getUserMedia.bind(md);
    md.getUserMedia = async (c) => {
      const stream = await gum(c);
      if (rec.captureAt === null && stream.getAudioTracks().length > 0) rec.captureAt = performance.timeOrigin + performance.now();
      return stream;
    };
  }
  // When the microphone really became loud, as the sender sees it (media-source audioLevel, every
  // 50 ms): the file's clock starts when Chromium's capture does, which is near but not at getUserMedia.
  rec.onsets = [];
  let loud = false;
  setInterval(async () => {
    const pcs = window.__confabPeerConnections || [];
    let level = 0;
    for (const pc of pcs) {
      if (pc.connectionState === 'closed') continue;
      (await pc.getStats()).forEach((s) => { if (s.type === 'media-source' && s.kind === 'audio' && typeof s.audioLevel === 'number') level = Math.max(level, s.audioLevel); });
    }
    const now = performance.timeOrigin + performance.now();
    if (!loud && level > 0.02) { loud = true; rec.onsets.push(now); }
    else if (loud && level < 0.005) loud = false;
  }, 50);
  let last = null;
  const check = () => {
    const el = document.querySelector('.tile[data-dominant="true"]');
    const name = el ? el.getAttribute('data-participant-name') : null;
    if (name !== last) { last = name; rec.dominant.push({ name, at: performance.timeOrigin + performance.now() }); }
    const speaking = [...document.querySelectorAll('.tile.speaking')].map((t) => t.getAttribute('data-participant-name')).sort().join(',');
    if (speaking !== lastSpeaking) { lastSpeaking = speaking; rec.speaking.push({ names: speaking, at: performance.timeOrigin + performance.now() }); }
  };
  let lastSpeaking = '';
  new MutationObserver(check).observe(document, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-dominant', 'class'] });
})();`;

interface Recording {
  captureAt: number | null;
  dominant: { name: string | null; at: number }[];
  /** When this page's own microphone became loud (rising edges of its media-source audioLevel). */
  onsets: number[];
  /** Who had the speaking ring (comma-separated names), at each change. */
  speaking: { names: string; at: number }[];
}

let server: ServerProcess;
const browsers: Browser[] = [];
const people = new Map<string, Participant>();

async function recording(page: Page): Promise<Recording> {
  return page.evaluate(() => (window as unknown as { __speaker: Recording }).__speaker);
}

before(async () => {
  const files = await Promise.all([
    audioTimeline(FILE_SECONDS, [{ kind: 'speech', atSeconds: ALICE_AT, seconds: SPEECH_SECONDS }]),
    audioTimeline(FILE_SECONDS, [{ kind: 'speech', atSeconds: BOB_AT, seconds: SPEECH_SECONDS }]),
    audioTimeline(FILE_SECONDS, [{ kind: 'burst', atSeconds: COUGH_AT, seconds: COUGH_SECONDS }]),
  ]);
  const started = await startTogether(
    ServerProcess.start({ readyTimeoutMs: 90_000 }),
    files.map((audioFile) => launchParticipantBrowser({ audioFile })),
  );
  server = started.server;
  browsers.push(...started.browsers);
});

after(async () => {
  for (const p of people.values()) await p.close();
  for (const b of browsers) await b.close().catch(() => {});
  await server?.stop();
});

test('the dominant speaker follows who speaks; a 200 ms burst does not take it', { timeout: 150_000 }, async () => {
  const room = uniqueRoom('speaker');
  const names = ['Alice', 'Bob', 'Carol'];
  // Together, so the three files start within a second or two of each other.
  const joined = await Promise.all(
    names.map((name, i) =>
      openParticipant(browsers[i]!, server.httpBase, room, name, {
        path: `/r/${room}?name=${name}&prejoin=0&layout=speaker`,
        initScript: RECORDER,
        timeout: 45_000,
      }),
    ),
  );
  joined.forEach((p) => people.set(p.name, p));
  const starts = new Map<string, number>();
  for (const p of joined) {
    // In the room first; the microphone opens right after, in the background.
    const captureAt = await waitFor(async () => (await recording(p.page)).captureAt, { timeout: 20_000, interval: 100, message: `${p.name}'s microphone to open` });
    starts.set(p.name, captureAt);
  }
  const t0 = starts.get('Alice')!;
  console.log(`[measure] microphones_opened_ms=${names.map((n) => `${n}:${Math.round(starts.get(n)! - t0)}`).join(',')}`);
  // Where each file's speech should start by the capture times; checked before the end against
  // when the sender really heard it (the measures below count from that).
  const aliceExpected = starts.get('Alice')! + ALICE_AT * 1000;
  const bobExpected = starts.get('Bob')! + BOB_AT * 1000;
  const cough = starts.get('Carol')! + COUGH_AT * 1000;
  let aliceSpeaks = aliceExpected;
  let bobSpeaks = bobExpected;
  // The timeline only means something if Alice is done before Bob starts, and Bob before the cough.
  assert.ok(aliceSpeaks + SPEECH_SECONDS * 1000 < bobSpeaks - 1000, 'the participants joined too far apart for the timeline');
  assert.ok(bobSpeaks + SPEECH_SECONDS * 1000 < cough - 1000, 'the participants joined too far apart for the timeline');
  assert.ok(Date.now() < aliceSpeaks - 1000, `joining took too long: Alice's speech starts ${aliceSpeaks - Date.now()} ms from now`);

  // Until the cough has had 3 s to (not) take the stage.
  const end = cough + 3000;
  while (Date.now() < end) await new Promise((r) => setTimeout(r, 500));
  await screenshot(people.get('Carol')!.page, 'active-speaker.png');

  const onset = async (name: string, expected: number): Promise<number> => {
    const heard = (await recording(people.get(name)!.page)).onsets.find((t) => t > expected - 3000);
    assert.ok(heard !== undefined && heard < expected + 3000, `${name}'s microphone never got loud near ${Math.round(expected - t0)} ms`);
    return heard;
  };
  aliceSpeaks = await onset('Alice', aliceExpected);
  bobSpeaks = await onset('Bob', bobExpected);
  console.log(`[measure] speech_onset_after_expected_ms=Alice:${Math.round(aliceSpeaks - aliceExpected)},Bob:${Math.round(bobSpeaks - bobExpected)}`);
  // Carol's page watches (she never speaks; any page sees the same server messages).
  const carol = await recording(people.get('Carol')!.page);
  const seen = carol.dominant.filter((d) => d.name !== null);
  const ringAt = (name: string, after: number) => carol.speaking.find((s) => s.names.split(',').includes(name) && s.at >= after - 500)?.at;
  const aliceRing = ringAt('Alice', aliceSpeaks);
  const bobRing = ringAt('Bob', bobSpeaks);
  console.log(`[measure] speaking_ring_ms=Alice:${aliceRing === undefined ? '-' : Math.round(aliceRing - aliceSpeaks)},Bob:${bobRing === undefined ? '-' : Math.round(bobRing - bobSpeaks)}`);
  const first = (name: string, after: number) => seen.find((d) => d.name === name && d.at >= after - 500);
  const alice = first('Alice', aliceSpeaks);
  const bob = first('Bob', bobSpeaks);
  const log = seen.map((d) => `${d.name}@${Math.round(d.at - aliceSpeaks)}ms`).join(' ');
  assert.ok(alice, `Alice never became the dominant speaker (changes, relative to her speech: ${log})`);
  assert.ok(bob, `Bob never became the dominant speaker (changes: ${log})`);
  const acquireMs = Math.round(alice.at - aliceSpeaks);
  const switchMs = Math.round(bob.at - bobSpeaks);
  console.log(`[measure] speaker_acquire_ms=${acquireMs} speaker_switch_ms=${switchMs}`);
  assert.ok(acquireMs <= 1000, `Alice became dominant ${acquireMs} ms after she started speaking`);
  assert.ok(switchMs <= 1500, `the dominant speaker moved to Bob ${switchMs} ms after he started speaking`);
  // Nothing but Alice before Bob spoke, nothing but Bob after: the cough did not take the stage.
  const between = seen.filter((d) => d.at >= alice.at && d.at < bob.at).map((d) => d.name);
  assert.deepEqual([...new Set(between)], ['Alice'], `changes: ${log}`);
  const afterBob = seen.filter((d) => d.at >= bob.at).map((d) => d.name);
  assert.deepEqual([...new Set(afterBob)], ['Bob'], `Carol's 200 ms burst moved the dominant speaker (changes: ${log})`);
  // Carol's own view shows the speaker layout featuring Bob.
  const featured = await people.get('Carol')!.page.evaluate(() => document.querySelector('.grid.speaker-view .tile.featured')?.getAttribute('data-participant-name') ?? null);
  assert.equal(featured, 'Bob');
});

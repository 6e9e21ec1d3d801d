/**
 * What our own media path (CONFAB_MEDIA_ENGINE=sfu) gets right that werift's did not, seen from
 * real Chromium: the publisher's bandwidth estimate, fed by our TWCC feedback, stays healthy;
 * a receiver plays one sender's audio and video in sync, from our translated Sender Reports,
 * although its video is paced and its audio is not; and
 * a subscriber whose UDP is blocked receives over ICE-TCP. Alice publishes; Bob and Carol watch.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { uniqueRoom } from './support/browser';
import { createHarness, type Harness } from './support/harness';
import { PC_RECORDER } from './support/network';
import { expectTilePlaying, expectVideoDecoded } from './support/observe';
import { inboundTracks, publisherPair, TCP_ONLY } from './support/peerConnections';
import { measure, sleep, waitFor } from './support/wait';

const ROOM = uniqueRoom('e2e-media');
/** werift collapsed Chrome's estimate to 30-80 kbps (WERIFT-NOTES 1); Chrome starts at 300 kbps. */
const HEALTHY_BITRATE = 500_000;
const LIP_SYNC_MS = 100;

let h: Harness;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

describe('our media path in Chromium', { timeout: 240_000 }, () => {
  before(async () => {
    h = await createHarness({ env: { CONFAB_MEDIA_ENGINE: 'sfu' } });
    await h.join(ROOM, 'Alice', { initScript: PC_RECORDER });
    await h.join(ROOM, 'Bob', { initScript: PC_RECORDER });
    await expectTilePlaying(h.person('Bob').page, 'Bob', 'Alice');
  });
  after(async () => {
    await h?.close();
  });

  test("Alice's bandwidth estimate ramps up and stays healthy for 20 s", h0(async () => {
    const alice = h.person('Alice').page;
    const read = async () => (await publisherPair(alice))?.availableOutgoingBitrate ?? 0;
    const rampStart = Date.now();
    await waitFor(async () => (await read()) >= HEALTHY_BITRATE, { timeout: 30_000, interval: 500, message: `estimate above ${HEALTHY_BITRATE} bps` });
    measure('bwe_ramp_to_healthy_ms', Date.now() - rampStart, `healthy=${HEALTHY_BITRATE}`);
    const samples: number[] = [];
    for (let i = 0; i < 20; i++) {
      await sleep(1000);
      samples.push(await read());
    }
    measure('bwe_min_bps', Math.min(...samples), `median=${median(samples)} over 20 s`);
    assert.ok(
      samples.every((bps) => bps >= HEALTHY_BITRATE),
      `availableOutgoingBitrate stays at or above ${HEALTHY_BITRATE} bps: ${samples.join(', ')}`,
    );
  }));

  test("Bob plays Alice's audio and video in sync", h0(async () => {
    const bob = h.person('Bob').page;
    // Both tracks have a playout time once Alice's Sender Reports got through; then Chrome needs
    // a few reports to line the two up.
    await waitFor(async () => {
      const tracks = await inboundTracks(bob);
      return tracks.length === 2 && tracks.every((t) => t.estimatedPlayoutTimestamp !== undefined);
    }, { timeout: 30_000, interval: 500, message: "playout timestamps for Alice's audio and video" });
    await sleep(5000);
    const pacerBefore = await h.server.metrics();
    const gaps: number[] = [];
    for (let i = 0; i < 10; i++) {
      const tracks = await inboundTracks(bob);
      const audio = tracks.find((t) => t.kind === 'audio')?.estimatedPlayoutTimestamp;
      const video = tracks.find((t) => t.kind === 'video')?.estimatedPlayoutTimestamp;
      if (audio !== undefined && video !== undefined) gaps.push(Math.abs(audio - video));
      await sleep(1000);
    }
    measure('av_playout_gap_ms', median(gaps), `max=${Math.max(...gaps).toFixed(0)} samples=${gaps.map((g) => g.toFixed(0)).join(',')}`);
    // Video to subscribers is paced (audio is not): how much of it the pacers held back meanwhile.
    const pacerAfter = await h.server.metrics();
    const pacer = (name: string) => (pacerAfter.get(name) ?? 0) - (pacerBefore.get(name) ?? 0);
    measure('pacer_queued_packets', pacer('confab_media_pacer_queued_packets'), `dropped=${pacer('confab_media_pacer_dropped_packets')} over the 10 s`);
    assert.equal(gaps.length, 10);
    // A video playout time moves in whole frames (50 ms at the fake camera's 20 fps): judge the
    // median, and let no single reading be far out.
    assert.ok(median(gaps) < LIP_SYNC_MS, `audio and video play within ${LIP_SYNC_MS} ms of each other: ${gaps.join(', ')}`);
    assert.ok(Math.max(...gaps) < 2 * LIP_SYNC_MS, `never ${2 * LIP_SYNC_MS} ms apart: ${gaps.join(', ')}`);
  }));

  test('Carol, whose UDP is blocked, receives Alice over ICE-TCP', h0(async () => {
    const carol = await h.join(ROOM, 'Carol', { initScript: PC_RECORDER + TCP_ONLY });
    await expectTilePlaying(carol.page, 'Carol', 'Alice');
    await expectVideoDecoded(carol.page, 'Carol', 'Alice');
    const video = await waitFor(async () => (await inboundTracks(carol.page)).find((t) => t.kind === 'video' && (t.framesDecoded ?? 0) > 0), {
      message: "Carol decoding Alice's video",
    });
    assert.equal(video.protocol, 'tcp', "Carol's receiving connection runs over ICE-TCP");
    // And Bob, on UDP, is undisturbed.
    const bob = (await inboundTracks(h.person('Bob').page)).find((t) => t.kind === 'video');
    assert.equal(bob?.protocol, 'udp');
  }));
});

/** Wraps a test body so a failure carries the server's output and the pages' console. */
function h0(fn: () => Promise<void>): () => Promise<void> {
  return () => h.run(fn)();
}

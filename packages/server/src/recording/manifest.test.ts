import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { ParticipantId, RecordingId, RoomName, TrackId } from '@confab/protocol';
import { readManifest, RECORDING_MANIFEST_FILE } from './manifest';
import { RecordingManifestLog } from './RecordingManifestLog';

test('the manifest log writes offsets from the start; what it writes reads back validated', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'confab-manifest-'));
  try {
    const log = new RecordingManifestLog(dir, 'RC_abc' as RecordingId, 'standup' as RoomName, 1_700_000_000_000, (err) => assert.fail(String(err)));
    await log.writeFirst();
    // Space for the last manifest on a full disk (the full-disk browser test fills a tmpfs), given back at the end.
    assert.deepEqual((await readdir(dir)).sort(), ['.manifest-reserve', RECORDING_MANIFEST_FILE]);
    const bob = 'PA_bob' as ParticipantId;
    log.participantJoined(bob, 'Bob', 1_700_000_000_000 - 5000); // there before the recording began
    log.trackStarted({ trackId: 'TR_1' as TrackId, participantId: bob, participantName: 'Bob', kind: 'video', source: 'screen', codec: 'h264', file: 'bob-screen.mkv' });
    await log.flushed();
    const live = await readManifest(dir);
    assert.equal(live.state, 'recording');
    assert.equal(live.tracks[0]!.startMs, null, 'a crash now would leave a track with no known start');
    log.trackStopped('TR_1' as TrackId, { startMs: 1_700_000_002_345.67, endMs: 1_700_000_009_000, frames: 200, error: null });
    log.participantLeft(bob, 1_700_000_009_500);
    await log.finish('stopped', 1_700_000_010_000);
    const m = await readManifest(dir);
    assert.equal(m.startedAt, '2023-11-14T22:13:20.000Z');
    assert.deepEqual(m.participants, [{ participantId: bob, name: 'Bob', joinedMs: 0, leftMs: 9500 }]);
    assert.deepEqual([m.tracks[0]!.startMs, m.tracks[0]!.endMs, m.tracks[0]!.frames], [2345.7, 9000, 200]);
    assert.equal(m.state, 'stopped');
    assert.deepEqual(await readdir(dir), [RECORDING_MANIFEST_FILE]);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a manifest naming a file outside its folder, or with a broken time, is refused when read', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'confab-manifest-'));
  try {
    const log = new RecordingManifestLog(dir, 'RC_abc' as RecordingId, 'standup' as RoomName, 1_700_000_000_000, (err) => assert.fail(String(err)));
    log.trackStarted({ trackId: 'TR_1' as TrackId, participantId: 'PA_x' as ParticipantId, participantName: 'X', kind: 'audio', source: 'microphone', codec: 'opus', file: 'x.webm' });
    await log.flushed();
    const path = join(dir, RECORDING_MANIFEST_FILE);
    const good = await readFile(path, 'utf8');
    await writeFile(path, good.replace('"x.webm"', '"../../etc/passwd"'));
    await assert.rejects(readManifest(dir));
    await writeFile(path, good.replace('"startMs": null', '"startMs": "soon"'));
    await assert.rejects(readManifest(dir));
    await writeFile(path, good);
    assert.equal((await readManifest(dir)).tracks[0]!.file, 'x.webm');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

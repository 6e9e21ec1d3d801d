import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { AppendFile } from './AppendFile';
import { MkvId } from './ebml';
import { MatroskaWriter } from './MatroskaWriter';
import { child, readElements, uintOf, type Element } from './testing/ebmlReader';
import { SenderClock } from './TrackClock';
import { TrackRecorder } from './TrackRecorder';

let dir = '';
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'confab-mkv-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** 2.5 s of fake VP8 frames at 10 fps, a key frame every second. */
function writeFrames(writer: MatroskaWriter): void {
  writer.writeHeader({ codec: 'vp8', width: 320, height: 240 });
  for (let i = 0; i < 25; i++) writer.writeFrame(i * 100, i % 10 === 0, Buffer.alloc(50, i), 0, 50);
}

function segmentOf(file: Buffer): Element {
  const [ebml, segment] = readElements(file);
  assert.equal(ebml!.id, MkvId.Ebml);
  assert.equal(child(ebml!, MkvId.DocType)!.data.toString(), 'webm');
  assert.equal(segment!.id, MkvId.Segment);
  return segment!;
}

test('while live: Segment and Clusters of unknown size, every written block readable, no Cues yet', async () => {
  const out = await AppendFile.create(join(dir, 'live.webm'), assert.fail);
  const writer = new MatroskaWriter(out);
  writeFrames(writer);
  await out.drain();
  const segment = segmentOf(await readFile(out.path));
  assert.equal(segment.size, -1);
  const clusters = segment.children.filter((e) => e.id === MkvId.Cluster);
  assert.equal(clusters.length, 3, 'a cluster per key frame');
  assert.ok(clusters.every((c) => c.size === -1));
  assert.equal(clusters.flatMap((c) => c.children.filter((e) => e.id === MkvId.SimpleBlock)).length, 25);
  assert.equal(child(segment, MkvId.Cues), undefined);
  assert.equal(child(child(segment, MkvId.Info)!, MkvId.Duration), undefined);
  await writer.finish();
});

test('a clean stop: sizes filled in, Duration, Cues at each key frame cluster, a SeekHead that points at them', async () => {
  const out = await AppendFile.create(join(dir, 'final.webm'), assert.fail);
  const writer = new MatroskaWriter(out);
  writeFrames(writer);
  await writer.finish();
  const file = await readFile(out.path);
  const segment = segmentOf(file);
  assert.equal(segment.dataAt + segment.size, file.length);
  const clusters = segment.children.filter((e) => e.id === MkvId.Cluster);
  assert.ok(clusters.every((c) => c.size > 0));
  assert.equal(child(child(segment, MkvId.Info)!, MkvId.Duration)!.data.readDoubleBE(0), 2500);
  const cues = child(segment, MkvId.Cues)!;
  const points = cues.children.map((p) => [uintOf(child(p, MkvId.CueTime)!), uintOf(child(child(p, MkvId.CueTrackPositions)!, MkvId.CueClusterPosition)!)]);
  assert.deepEqual(points, clusters.map((c, i) => [i * 1000, c.at - segment.dataAt]));
  const seeks = child(segment, MkvId.SeekHead)!.children.map((s) => [child(s, MkvId.SeekId)!.data.readUIntBE(0, 4), uintOf(child(s, MkvId.SeekPosition)!)]);
  for (const [id, position] of seeks) {
    const target = segment.children.find((e) => e.at - segment.dataAt === position);
    assert.equal(target?.id, id, `SeekHead entry for ${id!.toString(16)}`);
  }
  assert.deepEqual(seeks.map(([id]) => id), [MkvId.Info, MkvId.Tracks, MkvId.Cues]);
});

test('frames at one instant (a simulcast switch-up) or out of order get times that still increase, one ms apart', async () => {
  const out = await AppendFile.create(join(dir, 'same-instant.webm'), assert.fail);
  const writer = new MatroskaWriter(out);
  writer.writeHeader({ codec: 'vp8', width: 320, height: 240 });
  for (const [t, key] of [[0, true], [33, false], [66, false], [66, true], [60, false], [100, false]] as const) writer.writeFrame(t, key, Buffer.alloc(20), 0, 20);
  await writer.finish();
  const segment = segmentOf(await readFile(out.path));
  const times = segment.children
    .filter((e) => e.id === MkvId.Cluster)
    .flatMap((c) => c.children.filter((e) => e.id === MkvId.SimpleBlock).map((b) => uintOf(child(c, MkvId.Timestamp)!) + b.data.readInt16BE(1)));
  assert.deepEqual(times, [0, 33, 66, 67, 68, 100]);
});

test('a full disk: the recorder reports ENOSPC once, stops taking media, and stop() says why', async () => {
  await symlink('/dev/full', join(dir, 'full.webm'));
  const errors: NodeJS.ErrnoException[] = [];
  const recorder = await TrackRecorder.create({ pathWithoutExtension: join(dir, 'full'), codec: 'opus', clockRate: 48000, sender: new SenderClock(), requestKeyFrame: () => {}, onError: (e) => errors.push(e) });
  const packet = Buffer.alloc(12 + 60, 1);
  packet[0] = 0x80;
  packet[1] = 111;
  for (let i = 0; i < 50; i++) {
    packet.writeUInt16BE(i, 2);
    packet.writeUInt32BE(i * 960, 4);
    recorder.receive(packet, packet.length, i * 20);
    recorder.tick(i * 20);
    await new Promise((resolve) => setImmediate(resolve));
  }
  const result = await recorder.stop();
  assert.deepEqual(errors.map((e) => e.code), ['ENOSPC']);
  assert.match(result.error ?? '', /^ENOSPC/);
});

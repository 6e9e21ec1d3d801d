import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildCompositeCommand, DEFAULT_ENCODING, GRAPH_FILE } from './compositeCommand';
import { planComposite } from './compositeLayout';
import { manifestOf } from './testing/manifestOf';

const manifest = manifestOf(
  10_010,
  [['ann', 0, null], ['bob', 3000, null]],
  [
    ['ann', 'camera', 500, 10_010],
    ['ann', 'microphone', 520, 10_010],
    ['bob', 'camera', 3217, 10_010],
    ['bob', 'microphone', 3200, 10_010],
  ],
);
const plan = planComposite(manifest, { width: 1280, height: 720 });

/** Each input file with the -itsoffset before it. */
function inputs(args: string[]): Array<[string, string]> {
  return args.flatMap((a, i) => (a === '-i' ? [[args[i + 1]!, args[i - 1]!] as [string, string]] : []));
}

test('each file is one input placed at its manifest start; audio and video are mapped from the graph', () => {
  const { args } = buildCompositeCommand(plan, 'out.mp4');
  assert.deepEqual(inputs(args), [
    ['ann-camera-0.webm', '0.5'],
    ['bob-camera-2.webm', '3.217'],
    ['ann-microphone-1.webm', '0.52'],
    ['bob-microphone-3.webm', '3.2'],
  ]);
  assert.ok(args.every((a, i) => a !== '-itsoffset' || args[i - 4] === '-threads'), 'a thread per decoder');
  const after = (flag: string) => args[args.indexOf(flag) + 1];
  assert.deepEqual([after('-filter_complex_script'), after('-c:v'), after('-preset'), after('-crf'), after('-c:a'), after('-movflags'), after('-r'), args.at(-1)], [GRAPH_FILE, 'libx264', 'veryfast', '23', 'aac', '+faststart', '30', 'out.mp4']);
  assert.deepEqual(args.filter((a, i) => args[i - 1] === '-map'), ['[video]', '[audio]']);
  assert.ok(args.includes('-progress') && args.includes('pipe:1') && args.includes('-nostats'));
});

test('one canvas as long as the meeting to the frame; each layer switched on for its segments on the frame grid', () => {
  const { graph } = buildCompositeCommand(plan, 'out.mp4');
  const total = Math.round((10_010 * 30) / 1000);
  assert.match(graph, new RegExp(`color=c=0x[0-9a-f]+:s=1280x720:r=30,trim=end_frame=${total},`));
  // Bob's camera starts at 3.217 s: shown from frame 97 (3.2333 s) to the last (300 of 300.3),
  // the switch half a frame before each, so a frame's own time is never on the edge.
  assert.match(graph, /\[1:v\]null\[i1_636x716\];\n\[i1_636x716\]select='gte\(t,2\.216667\)\*lt\(t,9\.983333\)',scale=w=636:h=716:/);
  assert.match(graph, /overlay=x=642\+\(636-w\)\/2:y=2\+\(716-h\)\/2:eof_action=pass:enable='gte\(t,3\.216667\)\*lt\(t,9\.983333\)'/);
  // Ann's camera: the whole picture until Bob comes, then the left half.
  assert.match(graph, /\[0:v\]split=2\[i0_1276x716\]\[i0_636x716\]/);
});

test('audio: each track padded from 0 and through its gaps by its timestamps, all mixed unnormalized, cut to the meeting', () => {
  const { graph } = buildCompositeCommand(plan, 'out.mp4');
  assert.equal([...graph.matchAll(/aresample=48000:async=1:min_hard_comp=0\.01:first_pts=0/g)].length, 2);
  assert.match(graph, /\[a0\]\[a1\]amix=inputs=2:duration=longest:dropout_transition=0:normalize=0,apad=whole_dur=10\.01,atrim=end=10\.01\[audio\]/);
  const silent = buildCompositeCommand(planComposite(manifestOf(2000, [['ann', 0, null]], [['ann', 'camera', 0, 2000]]), { width: 1280, height: 720 }), 'out.mp4');
  assert.match(silent.graph, /anullsrc=r=48000:cl=stereo,atrim=end=2\[audio\]/, 'a meeting without microphones still has an audio track');
});

test("names go to files, never into the graph: quotes, colons and drawtext's %{} are shown as typed", () => {
  const tricky = "O'Brien: 100% [ok]; %{pts}";
  const m = manifestOf(2000, [[tricky, 0, null]], []);
  const { graph, textFiles } = buildCompositeCommand(planComposite(m, { width: 1280, height: 720 }), 'out.mp4');
  assert.ok(!graph.includes('Brien'));
  const [nameFile] = [...textFiles].find(([, text]) => text === tricky) ?? assert.fail('a file with the name');
  assert.match(graph, new RegExp(`drawtext=textfile=${nameFile.replace(/\./g, '\\.')}:expansion=none`));
  assert.equal(textFiles.get(GRAPH_FILE), graph);
  const plain = buildCompositeCommand(planComposite(m, { width: 1280, height: 720 }), 'out.mp4', { ...DEFAULT_ENCODING, names: false });
  assert.ok(!plain.graph.includes('drawtext') && plain.graph.includes('drawbox'), 'plain tiles without a font');
});

test('a long meeting with a thousand layout changes: filters per file and place, not per segment; the graph is a file', () => {
  const people: Array<[string, number, number | null]> = Array.from({ length: 10 }, (_, n) => [`p${n}`, 0, null]);
  // Everyone's camera on and off every few seconds for an hour.
  const tracks = people.flatMap(([name], n) => Array.from({ length: 60 }, (_, k) => [name, 'camera', k * 60_000 + n * 1000, k * 60_000 + n * 1000 + 30_000] as [string, 'camera', number, number]));
  const long = planComposite(manifestOf(3_600_000, people, tracks), { width: 1280, height: 720 });
  assert.ok(long.segments.length > 1000, `${long.segments.length} segments`);
  const { args, graph } = buildCompositeCommand(long, 'out.mp4');
  assert.ok(args.every((a) => a.length < 1000), 'no argument near the 128 KB an argument may have');
  // What holds memory is made per file and tile size, or per person and place, never per segment.
  const count = (what: RegExp) => [...graph.matchAll(what)].length;
  const files = new Set(long.segments.flatMap((s) => s.tiles.flatMap((t) => (t.camera ? [t.camera.file] : [])))).size;
  assert.equal(count(/scale=/g), files, 'one scaler per camera file (its tile never changes size here)');
  assert.equal(count(/overlay=/g), files, 'one overlay per camera file and place');
  assert.equal(count(/color=c=/g), 1, 'one canvas source');
  assert.ok(count(/drawtext=/g) <= 20, `${count(/drawtext=/g)} drawtexts for 10 people with and without camera`);
});

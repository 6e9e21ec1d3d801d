/**
 * Where a `node --cpu-prof` profile spent its time: self time by function and by area (our wire
 * and sfu code, SRTP, Node's UDP and timers, GC, idle), as percentages of the sampled time.
 *
 *   node --import tsx bench/src/cpuProfile.ts <file.cpuprofile> [--top 25] [--from S] [--to S] [--busy]
 *
 * --from / --to keep only the samples between S seconds after the profile's start and S seconds
 * (e.g. a bench's measurement window, leaving out start-up and joins); percentages are then also
 * given as "of busy" (idle left out). A line per second of busy % shows where that window is.
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { parseArgs } from 'node:util';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    top: { type: 'string', default: '25' },
    from: { type: 'string', default: '0' },
    to: { type: 'string', default: 'Infinity' },
  },
});
if (positionals.length !== 1) throw new Error('usage: cpuProfile.ts <file.cpuprofile> [--top N] [--from S] [--to S]');
const profile = JSON.parse(readFileSync(positionals[0]!, 'utf8')) as Profile;
const fromUs = Number(values.from) * 1e6;
const toUs = Number(values.to) * 1e6;

const nodeName = new Map(profile.nodes.map((n) => [n.id, n.callFrame.functionName]));
const selfUs = new Map<number, number>();
/** Per whole second since the start: [busy µs, all µs]. */
const perSecond: Array<[number, number]> = [];
let at = 0;
profile.samples.forEach((id, i) => {
  const dt = profile.timeDeltas[i] ?? 0;
  at += dt;
  const second = Math.floor(at / 1e6);
  const slot = (perSecond[second] ??= [0, 0]);
  slot[1] += dt;
  if (nodeName.get(id) !== '(idle)') slot[0] += dt;
  if (at < fromUs || at > toUs) return;
  selfUs.set(id, (selfUs.get(id) ?? 0) + dt);
});
const total = [...selfUs.values()].reduce((a, b) => a + b, 0);
const idle = [...selfUs].reduce((sum, [id, us]) => (nodeName.get(id) === '(idle)' ? sum + us : sum), 0);

const byFunction = new Map<string, number>();
const byArea = new Map<string, number>();
for (const node of profile.nodes) {
  const us = selfUs.get(node.id) ?? 0;
  if (us === 0) continue;
  const { functionName, url, lineNumber } = node.callFrame;
  const key = `${functionName || '(anonymous)'} ${url ? `${basename(url)}:${lineNumber + 1}` : ''}`.trim();
  byFunction.set(key, (byFunction.get(key) ?? 0) + us);
  const area = areaOf(functionName, url);
  byArea.set(area, (byArea.get(area) ?? 0) + us);
}

function areaOf(name: string, url: string): string {
  if (name === '(idle)') return 'idle';
  if (name === '(garbage collector)') return 'garbage collection';
  if (name === '(program)') return 'V8/libuv outside JS (native calls, I/O syscalls)';
  if (url.includes('/packages/srtp/')) return 'SRTP (our package, JS side)';
  if (url.includes('/packages/wire/')) return 'wire: RTP/RTCP/STUN parsing and logic';
  if (url.includes('/media/sfu/net/')) return 'sfu/net: sockets, ICE, DTLS';
  if (url.includes('/media/sfu/')) return 'sfu: producers, consumers, transports';
  if (url.includes('node_modules/werift') || url.includes('/werift')) return 'werift';
  if (url.startsWith('node:dgram') || url.includes('internal/dgram')) return 'node: dgram (UDP send/receive)';
  if (url.startsWith('node:internal/timers') || url.startsWith('node:timers')) return 'node: timers';
  if (url.startsWith('node:')) return `node: ${url.slice(5).split('/').slice(0, 2).join('/')}`;
  if (url === '') return `native: ${name || '(anonymous)'}`;
  return 'other JS';
}

const pct = (us: number) => ((100 * us) / total).toFixed(1).padStart(5);
const ofBusy = (us: number) => (total > idle ? ((100 * us) / (total - idle)).toFixed(1).padStart(5) : '    -');
console.log('busy % per second since the start:');
console.log(perSecond.map(([busy, all], s) => `${s}:${all > 0 ? Math.round((100 * busy) / all) : 0}`).join(' '));
console.log(`\nsampled ${(total / 1e6).toFixed(2)} s from ${values.from} s to ${values.to} s, busy ${(((total - idle) / total) * 100).toFixed(1)} %\n`);
console.log('by area (self time): % of all, % of busy');
for (const [area, us] of [...byArea].sort((a, b) => b[1] - a[1])) console.log(`${pct(us)} %  ${area === 'idle' ? '    -' : ofBusy(us)} %  ${area}`);
console.log(`\ntop ${values.top} functions (self time): % of all, % of busy`);
for (const [key, us] of [...byFunction].sort((a, b) => b[1] - a[1]).slice(0, Number(values.top))) console.log(`${pct(us)} %  ${key === '(idle)' ? '    -' : ofBusy(us)} %  ${key}`);

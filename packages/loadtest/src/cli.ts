/**
 * Load a Confab server with headless participants, then report what each one received.
 *
 *   node --import tsx packages/loadtest/src/cli.ts --url ws://127.0.0.1:8080/rtc --room load \
 *     --publishers 2 --subscribers 20 --seconds 30
 *
 * Publishers send microphone + camera; subscribers only receive. Bounded: at most 500 participants,
 * at most 1 hour, joins time out, and a watchdog ends the process if clean-up hangs.
 */
import { parseArgs } from 'node:util';
import { HeadlessParticipant, type ParticipantStats } from './HeadlessParticipant';
import { lossPercent, type RtpCount } from './RtpCounter';
import { sleep } from './time';

const MAX_PARTICIPANTS = 500;
const MAX_SECONDS = 3600;
const JOIN_CONCURRENCY = 8;

const { values } = parseArgs({
  options: {
    url: { type: 'string', default: 'ws://127.0.0.1:8080/rtc' },
    room: { type: 'string', default: 'load' },
    publishers: { type: 'string', default: '1' },
    subscribers: { type: 'string', default: '4' },
    seconds: { type: 'string', default: '30' },
    bitrate: { type: 'string', default: '500000' },
    'join-timeout': { type: 'string', default: '30' },
    json: { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
});

if (values.help) {
  console.log('usage: cli.ts --url ws://host:port/rtc --room NAME --publishers N --subscribers N --seconds S [--bitrate BPS] [--json]');
  process.exit(0);
}

function count(name: string, raw: string, min: number, max: number): number {
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    console.error(`--${name} must be an integer from ${min} to ${max}`);
    process.exit(2);
  }
  return value;
}

const publishers = count('publishers', values.publishers, 0, MAX_PARTICIPANTS);
const subscribers = count('subscribers', values.subscribers, 0, MAX_PARTICIPANTS - publishers);
const seconds = count('seconds', values.seconds, 1, MAX_SECONDS);
const bitrate = count('bitrate', values.bitrate, 10_000, 20_000_000);
const joinTimeoutSeconds = count('join-timeout', values['join-timeout'], 1, 600);

// Whatever happens, the process ends: joins + run + clean-up, with margin.
const watchdog = setTimeout(() => {
  console.error('loadtest: watchdog expired, exiting');
  process.exit(3);
}, (joinTimeoutSeconds * 2 + seconds + 30) * 1000);
watchdog.unref();

interface Entry {
  participant: HeadlessParticipant;
  role: 'publisher' | 'subscriber';
  joinError?: string;
}

async function joinAll(entries: Entry[]): Promise<void> {
  const deadline = Date.now() + joinTimeoutSeconds * 1000;
  let next = 0;
  const worker = async () => {
    while (next < entries.length && Date.now() < deadline) {
      const entry = entries[next++]!;
      try {
        await entry.participant.join();
        if (entry.role === 'publisher') {
          await entry.participant.publishMicrophone();
          await entry.participant.publishCamera({ bitrate });
        }
      } catch (error) {
        entry.joinError = error instanceof Error ? error.message : String(error);
      }
    }
  };
  await Promise.all(Array.from({ length: JOIN_CONCURRENCY }, worker));
  for (const entry of entries.slice(next)) entry.joinError = 'join deadline passed';
}

function sentPackets(stats: ParticipantStats): number {
  return stats.sent.reduce((n, s) => n + s.packets, 0);
}

function totals(stats: ParticipantStats): RtpCount {
  const sum: RtpCount = { packets: 0, bytes: 0, expected: 0, keyFrames: 0 };
  for (const r of stats.received) {
    sum.packets += r.packets;
    sum.bytes += r.bytes;
    sum.expected += r.expected;
    sum.keyFrames += r.keyFrames;
  }
  return sum;
}

async function main(): Promise<void> {
  const make = (role: Entry['role'], i: number): Entry => ({
    role,
    participant: new HeadlessParticipant({ url: values.url, room: values.room, name: `${role === 'publisher' ? 'pub' : 'sub'}-${i + 1}` }),
  });
  const entries = [
    ...Array.from({ length: publishers }, (_, i) => make('publisher', i)),
    ...Array.from({ length: subscribers }, (_, i) => make('subscriber', i)),
  ];
  const started = Date.now();
  await joinAll(entries);
  const joined = entries.filter((e) => !e.joinError);
  console.error(`loadtest: ${joined.length}/${entries.length} joined in ${Date.now() - started} ms; running ${seconds} s`);

  const runSeconds = joined.length > 0 ? seconds : 0; // nobody to measure: report the failures now
  const first = new Map(joined.map((e) => [e, totals(e.participant.stats())]));
  const firstSent = new Map(joined.map((e) => [e, sentPackets(e.participant.stats())]));
  const t0 = performance.now();
  for (let elapsed = 0; elapsed < runSeconds; elapsed += 5) {
    await sleep(Math.min(5, runSeconds - elapsed) * 1000);
    if (!values.json) {
      const pkts = joined.reduce((n, e) => n + totals(e.participant.stats()).packets - first.get(e)!.packets, 0);
      console.error(`loadtest: ${Math.min(seconds, elapsed + 5)} s, ${pkts} packets received in total`);
    }
  }
  const windowSeconds = Math.max(0.001, (performance.now() - t0) / 1000);

  const rows = entries.map((entry) => {
    const stats = entry.participant.stats();
    const start = first.get(entry) ?? { packets: 0, bytes: 0, expected: 0, keyFrames: 0 };
    const end = totals(stats);
    return {
      name: entry.participant.name,
      role: entry.role,
      joined: !entry.joinError,
      ...(entry.joinError ? { joinError: entry.joinError } : {}),
      tracks: stats.received.length,
      packetsPerSecond: round((end.packets - start.packets) / windowSeconds),
      sentPacketsPerSecond: round((sentPackets(stats) - (firstSent.get(entry) ?? 0)) / windowSeconds),
      kbps: round(((end.bytes - start.bytes) * 8) / windowSeconds / 1000),
      lossPercent: round(lossPercent(start, end), 2),
      plisReceived: stats.plisReceived,
      errors: entry.participant.errors.slice(0, 3),
    };
  });

  await Promise.allSettled(joined.map((e) => e.participant.leave()));
  await Promise.allSettled(entries.map((e) => e.participant.close()));

  if (values.json) {
    console.log(JSON.stringify({ url: values.url, room: values.room, seconds: round(windowSeconds, 1), participants: rows }, null, 2));
  } else {
    console.log(`${'name'.padEnd(10)} ${'role'.padEnd(10)} ${'tracks'.padStart(6)} ${'pkt/s in'.padStart(8)} ${'kbps in'.padStart(8)} ${'pkt/s out'.padStart(9)} ${'loss %'.padStart(7)} ${'PLIs'.padStart(5)}  notes`);
    for (const r of rows) {
      const notes = r.joinError ?? r.errors.join('; ');
      console.log(
        `${r.name.padEnd(10)} ${r.role.padEnd(10)} ${String(r.tracks).padStart(6)} ${String(r.packetsPerSecond).padStart(8)} ${String(r.kbps).padStart(8)} ${String(r.sentPacketsPerSecond).padStart(9)} ${r.lossPercent.toFixed(2).padStart(7)} ${String(r.plisReceived).padStart(5)}  ${notes}`,
      );
    }
  }
  const failed = rows.some((r) => !r.joined);
  process.exit(failed ? 1 : 0);
}

function round(value: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

main().catch((error: unknown) => {
  console.error('loadtest:', error);
  process.exit(1);
});

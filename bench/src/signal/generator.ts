/**
 * One load-generator process of `bench:signal` (forked by GeneratorProcess): holds its share of the
 * idle sessions and answers the parent's commands (protocol.ts) over the IPC channel.
 */
import type { PresenceStatus } from '@confab/protocol';
import { IdleSession } from './IdleSession';
import type { CensusReport, FanoutReport, GeneratorCommand, GeneratorReport, JoinReport } from './protocol';

const rooms: IdleSession[][] = [];
const report = (message: GeneratorReport): void => void process.send!(message);

process.on('message', (command: GeneratorCommand) => {
  run(command).catch((error: unknown) => report({ op: 'error', message: (error as Error).stack ?? String(error) }));
});
process.on('disconnect', () => process.exit(0));

async function run(command: GeneratorCommand): Promise<void> {
  switch (command.op) {
    case 'join':
      return report(await joinAll(command));
    case 'fanout':
      return report(await fanout(command.changes, command.timeoutMs));
    case 'census':
      return report(census());
    case 'heartbeat':
      for (const room of rooms) for (const session of room) session.askEveryPing(command.everyPing);
      return report({ op: 'heartbeat_set' });
    case 'close':
      for (const room of rooms) for (const session of room) session.close();
      // Let the close frames go out; the parent does not wait on it.
      setTimeout(() => process.exit(0), 500);
  }
}

async function joinAll(command: Extract<GeneratorCommand, { op: 'join' }>): Promise<JoinReport> {
  const slots = command.rooms.flatMap((room, r) => Array.from({ length: command.roomSize }, (_, k) => ({ room, r, k })));
  for (let r = 0; r < command.rooms.length; r++) rooms.push([]);
  const joinMs: number[] = [];
  const errors: string[] = [];
  let failed = 0;
  let next = 0;
  const started = performance.now();
  const worker = async () => {
    for (let i = next++; i < slots.length; i = next++) {
      const { room, r, k } = slots[i]!;
      const t0 = performance.now();
      try {
        rooms[r]!.push(await IdleSession.join(command.url, room, `${room}-${k}`, command.timeoutMs));
        joinMs.push(performance.now() - t0);
        if (joinMs.length % 500 === 0) report({ op: 'progress', joined: joinMs.length });
      } catch (error) {
        failed++;
        if (errors.length < 5) errors.push((error as Error).message);
      }
    }
  };
  await Promise.all(Array.from({ length: command.concurrency }, worker));
  return { op: 'joined', joined: joinMs.length, failed, elapsedMs: performance.now() - started, joinMs, errors };
}

/** Changes go round the rooms; each member in turn toggles between away and online. */
async function fanout(changes: number, timeoutMs: number): Promise<FanoutReport> {
  const result: FanoutReport = { op: 'fanned_out', lastReceiverMs: [], deliveryMs: [], missing: 0 };
  for (let c = 0; c < changes; c++) {
    const room = rooms[c % rooms.length]!.filter((s) => s.connected);
    if (room.length < 2) continue;
    const sender = room[Math.floor(c / rooms.length) % room.length]!;
    const status: PresenceStatus = Math.floor(c / rooms.length) % 2 === 0 ? 'away' : 'online';
    const receivers = new Set(room.filter((s) => s !== sender));
    const sentAt = performance.now();
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      for (const receiver of receivers) {
        receiver.onPresence = (participantId, newStatus, at) => {
          if (participantId !== sender.id || newStatus !== status) return;
          receiver.onPresence = undefined;
          receivers.delete(receiver);
          result.deliveryMs.push(at - sentAt);
          if (receivers.size === 0) {
            result.lastReceiverMs.push(at - sentAt);
            clearTimeout(timer);
            resolve();
          }
        };
      }
      sender.setStatus(status);
    });
    for (const receiver of receivers) receiver.onPresence = undefined;
    result.missing += receivers.size;
  }
  return result;
}

function census(): CensusReport {
  const report: CensusReport = { op: 'census', connected: 0, lostByCode: {}, framesSent: 0, framesReceived: 0 };
  for (const room of rooms) {
    for (const session of room) {
      if (session.connected) report.connected++;
      if (session.lost !== undefined) report.lostByCode[session.lost] = (report.lostByCode[session.lost] ?? 0) + 1;
      report.framesSent += session.framesSent;
      report.framesReceived += session.framesReceived;
    }
  }
  return report;
}

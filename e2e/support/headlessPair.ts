/**
 * Two headless participants (werift, synthetic VP8) calling each other from a process of their
 * own (support/headlessPairProcess.ts): a test that also drives browser pages, attackers or a
 * cluster from its own process would otherwise stall their sends and receives, and their ICE,
 * whenever it is busy, and a pause of the test's would read as the server's.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { ParticipantStats } from '@confab/loadtest';

export interface PairReading {
  /** Video packets each has received from the other, by "viewer<-other". */
  videoPackets: Record<string, number>;
  /** The longest wait between two of those packets since the call began or watchGaps(), ms. */
  longestGapMs: Record<string, number>;
  /** Waits of 100 ms or more since watchGaps(), [start, end] in epoch ms. */
  longGaps: Record<string, [number, number][]>;
  /**
   * Where the pair's own event loop stood still since watchGaps() (a 10 ms timer over 50 ms late),
   * [start, end] in epoch ms: its packets waited in its socket meanwhile, so a gap there is the
   * measuring process's (or the whole machine's), not the server's.
   */
  loopStalls: [number, number][];
  /** Whom each sees in the room, by name. */
  others: Record<string, string[]>;
  stats: ParticipantStats[];
  errors: Record<string, string[]>;
}

/** How much of `gap` the stalls do not cover, ms. */
export function uncoveredMs(gap: [number, number], stalls: readonly [number, number][]): number {
  let covered = 0;
  for (const [from, to] of stalls) covered += Math.max(0, Math.min(to, gap[1]) - Math.max(from, gap[0]));
  return gap[1] - gap[0] - covered;
}

export type PairRequest = { id: number } & ({ op: 'call'; url: string; room: string; names: string[] } | { op: 'read' } | { op: 'watchGaps' });
type Reply = { id: number; ok: true; value: unknown } | { id: number; ok: false; error: string };
type WithoutId<T> = T extends unknown ? Omit<T, 'id'> : never;

export class HeadlessPair {
  private readonly child: ChildProcess;
  private readonly waiting = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  private nextId = 1;
  /** In a call now: call() has succeeded. */
  inCall = false;

  constructor(readonly names: readonly string[]) {
    // At this process's priority (a cluster test's: the servers').
    this.child = fork(fileURLToPath(new URL('./headlessPairProcess.ts', import.meta.url)), { execArgv: ['--import', 'tsx'], stdio: 'inherit' });
    this.child.on('message', (reply: Reply) => {
      const waiter = this.waiting.get(reply.id);
      this.waiting.delete(reply.id);
      if (reply.ok) waiter?.resolve(reply.value);
      else waiter?.reject(new Error(reply.error));
    });
    this.child.on('exit', (code, signal) => {
      for (const waiter of this.waiting.values()) waiter.reject(new Error(`the pair's process ended (${signal ?? code})`));
      this.waiting.clear();
    });
  }

  /** Both join `room` and publish a camera, the first then the second (after leaving any call before). */
  async call(url: string, room: string): Promise<void> {
    this.inCall = false;
    await this.request({ op: 'call', url, room, names: [...this.names] });
    this.inCall = true;
  }

  read(): Promise<PairReading> {
    return this.request({ op: 'read' }) as Promise<PairReading>;
  }

  /** Starts timing the longest gap afresh, from each one's last packet. */
  async watchGaps(): Promise<void> {
    await this.request({ op: 'watchGaps' });
  }

  /** Both leave as a closed tab does, and the process ends. */
  async close(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.disconnect();
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5_000))]);
    this.child.kill('SIGKILL');
  }

  private request(request: WithoutId<PairRequest>): Promise<unknown> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      this.child.send({ ...request, id });
    });
  }
}

import type { TransportStats } from '../types';
import type { WorkerEvent } from './protocol';

type StatsEntry = Extract<WorkerEvent, { ev: 'stats' }>['entries'][number];

/**
 * The link statistics every transport reports about once a second, sent to the main thread in one
 * message per turn of the worker's loop instead of one per transport: the transports of a worker
 * report in the same tick (SubscriberLinkStats keeps to whole seconds), and each message costs the
 * main thread a wake-up and a validation (at 32 subscribers, 33 a second were a third of its
 * wake-ups).
 */
export class StatsBatch {
  private entries: StatsEntry[] = [];

  constructor(private readonly send: (event: WorkerEvent) => void) {}

  add(transport: number, stats: TransportStats): void {
    if (this.entries.length === 0) setImmediate(this.flush);
    this.entries.push({ transport, stats });
  }

  /** Scheduled by the turn's first entry, so never empty. */
  private readonly flush = (): void => {
    const entries = this.entries;
    this.entries = [];
    this.send({ ev: 'stats', entries });
  };
}

import type { TransportStats } from '../types';
import type { WorkerEvent } from './protocol';
import { TurnBatch } from './TurnBatch';

type StatsEntry = Extract<WorkerEvent, { ev: 'stats' }>['entries'][number];

/**
 * The link statistics every transport reports about once a second, sent to the main thread in one
 * message per turn of the worker's loop instead of one per transport: the transports of a worker
 * report in the same tick (SubscriberLinkStats keeps to whole seconds), and each message costs the
 * main thread a wake-up and a validation (at 32 subscribers, 33 a second were a third of its
 * wake-ups).
 */
export class StatsBatch {
  private readonly entries: TurnBatch<StatsEntry>;

  constructor(send: (event: WorkerEvent) => void) {
    this.entries = new TurnBatch((entries) => send({ ev: 'stats', entries }));
  }

  add(transport: number, stats: TransportStats): void {
    this.entries.add({ transport, stats });
  }
}

import type { Logger } from '../service/logger';

/**
 * One warning line for many occurrences: the first is told at once, later ones are counted (by
 * kind) into at most one line per interval, so a dead receiver under load cannot flood the log.
 */
export class WarningSummary {
  private readonly counts = new Map<string, number>();
  private latest: Record<string, unknown> | undefined = undefined;
  private lastLineAt = -Infinity;
  private timer: NodeJS.Timeout | undefined = undefined;

  constructor(
    private readonly logger: Logger,
    private readonly message: string,
    private readonly intervalMs: number,
  ) {}

  add(kind: string, latest: Record<string, unknown>): void {
    this.counts.set(kind, (this.counts.get(kind) ?? 0) + 1);
    this.latest = latest;
    if (this.timer) return;
    const wait = this.lastLineAt + this.intervalMs - performance.now();
    if (wait <= 0) this.flush();
    else this.timer = setTimeout(this.flush, wait).unref();
  }

  /** Tells what is still untold. */
  close(): void {
    clearTimeout(this.timer);
    this.flush();
  }

  private readonly flush = (): void => {
    this.timer = undefined;
    if (this.counts.size === 0) return;
    this.lastLineAt = performance.now();
    this.logger.warn({ counts: Object.fromEntries(this.counts), latest: this.latest }, this.message);
    this.counts.clear();
  };
}

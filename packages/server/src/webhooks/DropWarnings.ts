import type { Logger } from '../service/logger';
import type { DropReason } from './WebhookQueue';

/**
 * The warning about dropped webhook deliveries, one line for many: the first drop is told at once,
 * later ones are counted into at most one line per interval, so a dead receiver under load cannot
 * flood the log.
 */
export class DropWarnings {
  private readonly counts = new Map<DropReason, number>();
  private latest: { url: string; event: string; detail: string } | undefined = undefined;
  private lastLineAt = -Infinity;
  private timer: NodeJS.Timeout | undefined = undefined;

  constructor(
    private readonly logger: Logger,
    private readonly intervalMs: number,
  ) {}

  add(reason: DropReason, latest: { url: string; event: string; detail: string }): void {
    this.counts.set(reason, (this.counts.get(reason) ?? 0) + 1);
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
    this.logger.warn({ dropped: Object.fromEntries(this.counts), latest: this.latest }, 'webhook deliveries dropped');
    this.counts.clear();
  };
}

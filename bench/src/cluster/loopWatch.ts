import type { LocalCluster } from '@confab/loadtest';

const LAG_MAX = 'confab_process_nodejs_eventloop_lag_max_seconds';

/**
 * The longest each node's event loop stood still while a part ran: every 500 ms, each running
 * node's /metrics (prom-client's event-loop delay, which starts afresh at every scrape). A node
 * whose loop stands still for seconds lets its registry entry and its clients' heartbeats lapse.
 */
export class LoopWatch {
  private readonly worst = new Map<string, number>();
  private readonly timer: NodeJS.Timeout;
  private sampling = false;

  constructor(private readonly cluster: LocalCluster) {
    this.timer = setInterval(() => void this.sample(), 500);
  }

  /** Stops sampling; the worst stall per node, in ms. */
  async stop(): Promise<Record<string, number>> {
    clearInterval(this.timer);
    await this.sample();
    return Object.fromEntries([...this.worst].map(([id, seconds]) => [id, Math.round(seconds * 1000)]));
  }

  private async sample(): Promise<void> {
    if (this.sampling) return;
    this.sampling = true;
    try {
      await Promise.all(
        this.cluster.nodes
          .filter((n) => n.running)
          .map(async (node) => {
            const lag = (await node.metrics().catch(() => undefined))?.get(LAG_MAX);
            if (lag !== undefined) this.worst.set(node.id, Math.max(this.worst.get(node.id) ?? 0, lag));
          }),
      );
    } finally {
      this.sampling = false;
    }
  }
}

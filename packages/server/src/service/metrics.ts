import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics, type Metric } from 'prom-client';
import type { LocalDirectory } from '../cluster/LocalDirectory';
import type { MediaEngine, MediaEngineStats, MediaWorkerStats } from '../media/types';
import type { DropReason } from '../webhooks/WebhookQueue';

export interface MetricsOptions {
  /** CONFAB_NODE_ID: the label `node` on every sample, so a cluster's metrics can be told apart when merged. */
  nodeId: string;
  /** In cluster mode: what the Redis router reports (placement, relay, leases). */
  cluster?: ClusterMetrics | undefined;
  /** With CONFAB_WEBHOOK_URLS: what the WebhookNotifier reports. */
  webhooks?: WebhookMetrics | undefined;
}

/**
 * Prometheus metrics, served at /metrics. Gauges are read from live state at scrape time; `scrape()`
 * reads the media engine once for all of its gauges, so that they agree with each other and a
 * scrape costs one read of each worker's counters and /proc files, not one per gauge.
 */
export function createMetrics(directory: LocalDirectory, media: MediaEngine, connections: () => number, options: MetricsOptions) {
  const registry = new Registry();
  registry.setDefaultLabels({ node: options.nodeId });
  // The event loop's delay is sampled by a timer: every 100 ms, not prom-client's 10, which woke an
  // idle node 100 times a second (~2 ms of CPU a second). A stall longer than that is still seen.
  collectDefaultMetrics({ register: registry, prefix: 'confab_process_', eventLoopMonitoringPrecision: 100 });
  options.cluster?.registerIn(registry);
  const access = directory.accessMetrics;
  if (access instanceof AccessMetrics) access.registerIn(registry);
  options.webhooks?.registerIn(registry);

  let scraped: MediaEngineStats | undefined;
  const mediaStats = (): MediaEngineStats => scraped ?? media.stats();
  const gauge = (name: string, help: string, read: () => number) =>
    new Gauge({ name, help, registers: [registry], collect() { this.set(read()); } });
  gauge('confab_rooms', 'Rooms open on this node', () => directory.roomCount);
  gauge('confab_participants', 'Participants in rooms on this node', () => {
    let n = 0;
    for (const room of directory.rooms()) n += room.size;
    return n;
  });
  gauge('confab_signal_connections', 'Open signaling WebSockets', connections);
  gauge('confab_media_transports', 'Open media transports', () => mediaStats().transports);
  gauge('confab_media_producers', 'Tracks being received', () => mediaStats().producers);
  gauge('confab_media_consumers', 'Tracks being forwarded', () => mediaStats().consumers);
  gauge('confab_media_rtp_packets_received', 'RTP packets received from publishers (cumulative)', () => mediaStats().rtpPacketsReceived);
  gauge('confab_media_rtp_packets_forwarded', 'RTP packets forwarded to subscribers (cumulative)', () => mediaStats().rtpPacketsForwarded);
  gauge('confab_media_rtp_bytes_forwarded', 'RTP bytes forwarded to subscribers (cumulative)', () => mediaStats().rtpBytesForwarded);
  gauge('confab_media_pacer_queued_packets', 'Video packets held back by a pacer to spread a burst (cumulative)', () => mediaStats().pacerQueuedPackets);
  gauge('confab_media_pacer_dropped_packets', 'Of those, dropped after waiting too long: a stalled media thread (cumulative)', () => mediaStats().pacerDroppedPackets);
  // One series per media worker (when media runs on worker threads): how rooms and load spread over cores.
  const perWorker = (name: string, help: string, read: (worker: MediaWorkerStats) => number) =>
    new Gauge({
      name,
      help,
      labelNames: ['worker'],
      registers: [registry],
      collect() {
        this.reset();
        for (const worker of mediaStats().workers ?? []) this.set({ worker: String(worker.index) }, read(worker));
      },
    });
  perWorker('confab_media_worker_routers', 'Rooms (routers) on each media worker', (w) => w.routers);
  perWorker('confab_media_worker_transports', 'Media transports on each media worker', (w) => w.transports);
  perWorker('confab_media_worker_rtp_packets_forwarded', 'RTP packets forwarded by each media worker slot (cumulative)', (w) => w.rtpPacketsForwarded);
  perWorker('confab_media_worker_cpu_seconds', 'CPU time of each media worker slot, its thread alone (cumulative)', (w) => w.cpuSeconds);
  perWorker('confab_media_worker_cpu_system_seconds', 'Of that CPU time, the part spent in the kernel (system calls) (cumulative)', (w) => w.cpuSystemSeconds);
  perWorker('confab_media_worker_restarts', 'Media workers that died in each slot and were replaced', (w) => w.restarts);

  const refusedConnections = new Counter({
    name: 'confab_signal_connections_refused_total',
    help: 'Signaling WebSockets refused, by reason: origin, connections_per_ip, shutting_down',
    labelNames: ['reason'] as const,
    registers: [registry],
  });

  const processErrors = new Counter({
    name: 'confab_process_errors_total',
    help: 'Errors no handler caught (kind: uncaught_exception, unhandled_rejection); logged, the node carries on',
    labelNames: ['kind'] as const,
    registers: [registry],
  });

  const adminApiRequests = new Counter({
    name: 'confab_admin_api_requests_total',
    help: 'Admin API (/api/v1) calls answered, by route template (unmatched: no such path), method and HTTP status',
    labelNames: ['route', 'method', 'status'] as const,
    registers: [registry],
  });

  /** The Prometheus text of every metric, the media gauges from one read of the engine. */
  const scrape = async (): Promise<string> => {
    scraped = media.stats();
    try {
      return await registry.metrics();
    } finally {
      scraped = undefined;
    }
  };

  return { registry, scrape, refusedConnections, processErrors, adminApiRequests };
}

/**
 * Placement and relay metrics of one cluster node (docs/cluster.md). The Redis router owns one and
 * feeds it; /metrics serves it with the node's other metrics. The names are a contract.
 */
export class ClusterMetrics {
  private readonly roomsOwned = new Gauge({
    name: 'confab_cluster_rooms_owned',
    help: 'Rooms whose ownership lease this node holds',
    registers: [],
  });
  private readonly socketsRelayed = new Gauge({
    name: 'confab_cluster_sockets_relayed',
    help: 'Signaling sockets this node holds whose room another node owns (relayed over Redis)',
    registers: [],
  });
  private readonly relayRoundTrip = new Histogram({
    name: 'confab_cluster_relay_round_trip_seconds',
    help: 'From a command relayed to the owner node until its result came back',
    // Redis pub/sub on one host takes a fraction of a millisecond; across a network, a few.
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [],
  });
  private readonly leaseRenewals = new Counter({
    name: 'confab_cluster_lease_renewals_total',
    help: 'Room ownership leases renewed',
    registers: [],
  });
  private readonly leaseFailures = new Counter({
    name: 'confab_cluster_lease_failures_total',
    help: 'Room lease renewals that failed (Redis unreachable, or the lease lost to another node)',
    registers: [],
  });

  setRoomsOwned(count: number): void {
    this.roomsOwned.set(count);
  }

  setSocketsRelayed(count: number): void {
    this.socketsRelayed.set(count);
  }

  observeRelayRoundTrip(seconds: number): void {
    this.relayRoundTrip.observe(seconds);
  }

  leaseRenewed(count = 1): void {
    this.leaseRenewals.inc(count);
  }

  leaseFailed(count = 1): void {
    this.leaseFailures.inc(count);
  }

  registerIn(registry: Registry): void {
    const all: Metric[] = [this.roomsOwned, this.socketsRelayed, this.relayRoundTrip, this.leaseRenewals, this.leaseFailures];
    for (const metric of all) registry.registerMetric(metric);
  }
}

/** Who was kept out and what moderators did (issue: access and moderation); counted where the room lives. */
export class AccessMetrics {
  private readonly joinsRefused = new Counter({
    name: 'confab_joins_refused_total',
    help: 'Joins and resumes refused by a room or its access policy, by reason (a RefusalReason, or the error code)',
    labelNames: ['reason'],
    registers: [],
  });
  private readonly moderationActions = new Counter({
    name: 'confab_moderation_actions_total',
    help: 'Moderation done, by action (a moderator request type, or admin_* for the admin API)',
    labelNames: ['action'],
    registers: [],
  });

  joinRefused(reason: string): void {
    this.joinsRefused.inc({ reason });
  }

  moderated(action: string): void {
    this.moderationActions.inc({ action });
  }

  registerIn(registry: Registry): void {
    registry.registerMetric(this.joinsRefused);
    registry.registerMetric(this.moderationActions);
  }
}

/** Webhook delivery metrics (docs/webhooks.md "Metrics"): the WebhookNotifier feeds them. The names are a contract. */
export class WebhookMetrics {
  private readonly deliveries = new Counter({
    name: 'confab_webhook_deliveries_total',
    help: 'Webhook POSTs by result: ok (2xx) or failed (network error, timeout or any other status)',
    labelNames: ['result'] as const,
    registers: [],
  });
  private readonly retries = new Counter({
    name: 'confab_webhook_retries_total',
    help: 'Webhook POSTs scheduled again after a failed one',
    registers: [],
  });
  private readonly drops = new Counter({
    name: 'confab_webhook_dropped_total',
    help: 'Webhook deliveries (one event to one URL) given up, by reason: queue_full, gave_up (too old), rejected (4xx)',
    labelNames: ['reason'] as const,
    registers: [],
  });
  private readonly queued = new Gauge({
    name: 'confab_webhook_queue_events',
    help: 'Webhook deliveries (one event to one URL) waiting, across rooms and URLs',
    registers: [],
  });
  private readonly latency = new Histogram({
    name: 'confab_webhook_latency_seconds',
    help: 'From an event happening (its createdAt) to a receiver accepting it (2xx)',
    // A healthy receiver on the same network answers in milliseconds; retries take seconds to minutes.
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 600],
    registers: [],
  });

  constructor() {
    // Every series from the start, so rates and alerts work before the first failure.
    for (const result of ['ok', 'failed']) this.deliveries.inc({ result }, 0);
    for (const reason of ['queue_full', 'gave_up', 'rejected'] satisfies DropReason[]) this.drops.inc({ reason }, 0);
  }

  attempted(result: 'ok' | 'failed'): void {
    this.deliveries.inc({ result });
  }

  retried(): void {
    this.retries.inc();
  }

  dropped(reason: DropReason): void {
    this.drops.inc({ reason });
  }

  setQueued(count: number): void {
    this.queued.set(count);
  }

  observeLatency(seconds: number): void {
    this.latency.observe(seconds);
  }

  registerIn(registry: Registry): void {
    const all: Metric[] = [this.deliveries, this.retries, this.drops, this.queued, this.latency];
    for (const metric of all) registry.registerMetric(metric);
  }
}

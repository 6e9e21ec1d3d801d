import type { WebhookEvent } from '@confab/protocol';
import type { Logger } from '../service/logger';
import type { WebhookMetrics } from '../service/metrics';
import { retryDelayMs } from './deliveryPolicy';
import { postWebhook, type PostResult } from './postWebhook';
import type { RoomEvents } from './RoomEvents';
import { webhookHeaders } from './signature';
import { WarningSummary } from './WarningSummary';
import { WebhookQueue, type Delivery, type Dropped, type Lane } from './WebhookQueue';

export interface WebhookNotifierOptions {
  /** One POST's time limit. */
  requestTimeoutMs: number;
  /** The first retry waits about this long, each next one twice as long... */
  retryBaseMs: number;
  /** ...up to this. */
  retryMaxMs: number;
  /** An event not delivered this long after it happened (its createdAt) is given up. */
  maxAgeMs: number;
  /** Deliveries (one event to one URL) waiting at most, across all rooms and URLs. */
  maxQueued: number;
  /** close() lets what is queued go out for up to this long. */
  closeGraceMs: number;
  /** At most one warning line about failed POSTs, and one about drops, per this long. */
  warningIntervalMs: number;
}

export const DEFAULT_WEBHOOK_OPTIONS: WebhookNotifierOptions = {
  requestTimeoutMs: 5_000,
  retryBaseMs: 500,
  retryMaxMs: 30_000,
  maxAgeMs: 10 * 60_000,
  maxQueued: 10_000,
  closeGraceMs: 2_000,
  warningIntervalMs: 10_000,
};

export interface WebhookNotifierInit {
  urls: readonly string[];
  /** The API key named in each request, and its secret that signs it. */
  apiKey: string;
  apiSecret: string;
  logger: Logger;
  metrics: WebhookMetrics;
  options?: Partial<WebhookNotifierOptions> | undefined;
}

/**
 * Delivers room events to the webhook URLs (docs/webhooks.md). Per URL and room sid, strictly in
 * order: a room's next event goes to a URL once the one before was accepted there or dropped.
 * Rooms and URLs never wait for each other: each (URL, sid) lane has its own POST and retry timer.
 */
export class WebhookNotifier implements RoomEvents {
  private readonly urls: readonly string[];
  /** The URLs as logged: no credentials or query strings. */
  private readonly urlNames: readonly string[];
  private readonly options: WebhookNotifierOptions;
  private readonly queue: WebhookQueue;
  private readonly failureWarnings: WarningSummary;
  private readonly dropWarnings: WarningSummary;
  /** Room sids being handed over: their lanes post nothing more. */
  private readonly handingOver = new Set<string>();
  /** Aborts the POSTs still open when close() has waited enough. */
  private readonly stop = new AbortController();
  private onEmpty: (() => void) | undefined = undefined;
  private closing: Promise<void> | undefined = undefined;
  private closed = false;

  /** Delivery metrics, for /metrics. */
  get metrics(): WebhookMetrics {
    return this.init.metrics;
  }

  constructor(private readonly init: WebhookNotifierInit) {
    this.urls = [...init.urls];
    this.urlNames = this.urls.map(nameOf);
    this.options = { ...DEFAULT_WEBHOOK_OPTIONS, ...init.options };
    this.queue = new WebhookQueue(this.urls.length, this.options.maxQueued);
    this.failureWarnings = new WarningSummary(init.logger, 'webhook POSTs failed; retrying with backoff', this.options.warningIntervalMs);
    this.dropWarnings = new WarningSummary(init.logger, 'webhook deliveries dropped', this.options.warningIntervalMs);
  }

  emit(event: WebhookEvent): void {
    if (this.closed) return;
    const body = JSON.stringify(event);
    const { lanes, dropped } = this.queue.push({ event, body, headers: webhookHeaders(body, this.init.apiKey, this.init.apiSecret) });
    this.noteDrops(dropped, `queue full (${this.options.maxQueued})`);
    this.queueChanged();
    for (const lane of lanes) this.pump(lane);
  }

  async handOver(sid: string): Promise<WebhookEvent[]> {
    this.handingOver.add(sid);
    await Promise.all(this.queue.lanesOf(sid).map((lane) => lane.inFlight));
    // Only now: a post that just failed has set its retry timer.
    for (const lane of this.queue.lanesOf(sid)) this.cancelRetry(lane);
    const undelivered = this.queue.takeRoom(sid);
    this.handingOver.delete(sid);
    this.queueChanged();
    return undelivered;
  }

  /** Queued behind nothing of this node (the room's sid is new here), so they go first. */
  adopt(events: readonly WebhookEvent[]): void {
    for (const event of events) this.emit(event);
  }

  /**
   * Lets what is queued go out for up to closeGraceMs, then aborts what is still open; what is
   * left is lost (logged). Rooms still closing meanwhile can emit their last events.
   */
  close(): Promise<void> {
    this.closing ??= this.shutDown();
    return this.closing;
  }

  private async shutDown(): Promise<void> {
    if (this.queue.size > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, this.options.closeGraceMs);
        this.onEmpty = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.onEmpty = undefined;
    }
    this.closed = true;
    this.stop.abort();
    for (const lane of this.queue.allLanes()) this.cancelRetry(lane);
    this.failureWarnings.close();
    this.dropWarnings.close();
    if (this.queue.size > 0) this.init.logger.warn({ undelivered: this.queue.size }, 'webhooks closed with deliveries undelivered: they are lost');
  }

  /** Posts the lane's head unless it is busy, waiting to retry, or handed over. */
  private pump(lane: Lane): void {
    if (this.closed || lane.inFlight || lane.retryTimer || this.handingOver.has(lane.sid)) return;
    for (let head = lane.deliveries[0]; head; head = lane.deliveries[0]) {
      if (!this.tooOld(head, Date.now())) {
        lane.inFlight = this.post(lane, head);
        return;
      }
      this.noteDrops(this.queue.drop(lane, head, 'gave_up'), 'too old');
      this.queueChanged();
    }
  }

  private async post(lane: Lane, delivery: Delivery): Promise<void> {
    const result = await postWebhook(this.urls[lane.url]!, delivery.signed, this.options.requestTimeoutMs, this.stop.signal);
    lane.inFlight = undefined;
    if (this.closed) return;
    this.settle(lane, delivery, result);
    this.queueChanged();
    this.pump(lane);
  }

  private settle(lane: Lane, delivery: Delivery, { verdict, detail }: PostResult): void {
    const { metrics } = this.init;
    if (verdict === 'accepted') {
      metrics.attempted('ok');
      metrics.observeLatency(Math.max(0, Date.now() - delivery.signed.event.createdAt) / 1000);
      this.queue.accepted(lane);
      return;
    }
    metrics.attempted('failed');
    if (verdict === 'rejected') {
      this.noteDrops(this.queue.drop(lane, delivery, 'rejected'), detail);
      return;
    }
    const url = this.urlNames[lane.url]!;
    this.failureWarnings.add(url, { url, event: delivery.signed.event.id, detail });
    delivery.failures += 1;
    const delay = retryDelayMs(delivery.failures, this.options.retryBaseMs, this.options.retryMaxMs);
    if (this.tooOld(delivery, Date.now() + delay)) {
      this.noteDrops(this.queue.drop(lane, delivery, 'gave_up'), `too old; last: ${detail}`);
      return;
    }
    metrics.retried();
    lane.retryTimer = setTimeout(() => {
      lane.retryTimer = undefined;
      this.pump(lane);
    }, delay).unref();
  }

  private tooOld(delivery: Delivery, at: number): boolean {
    return at - delivery.signed.event.createdAt > this.options.maxAgeMs;
  }

  private cancelRetry(lane: Lane): void {
    clearTimeout(lane.retryTimer);
    lane.retryTimer = undefined;
  }

  private noteDrops(dropped: Dropped[], detail: string): void {
    for (const { lane, delivery, reason, withOpening } of dropped) {
      this.init.metrics.dropped(reason);
      this.dropWarnings.add(reason, { url: this.urlNames[lane.url], event: delivery.signed.event.id, detail: withOpening ? 'its opening was dropped' : detail });
    }
  }

  private queueChanged(): void {
    this.init.metrics.setQueued(this.queue.size);
    if (this.queue.size === 0) this.onEmpty?.();
  }
}

/** A URL as logged: scheme, host and path, without credentials or a query that may hold a token. */
function nameOf(url: string): string {
  const { origin, pathname } = new URL(url);
  return origin + pathname;
}

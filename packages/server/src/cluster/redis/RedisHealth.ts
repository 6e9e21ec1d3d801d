import type { Logger } from '../../service/logger';
import { probeRedis, type ProbeResult } from './redisProbe';
import { probeTimeoutMs, type ClusterTimings } from './timings';

/**
 * Whether this node may keep serving rooms whose leases it cannot renew. It may only while Redis
 * is down or stalled for everyone (then nobody can take a lease over, and after the outage the
 * recovering window lets owners reclaim theirs first). Cut off from a Redis that others may still
 * reach, it may not. Learned by probing Redis on a fresh connection whenever commands fail.
 */
export class RedisHealth {
  private probing = false;
  private latest: { result: ProbeResult; at: number } | undefined;
  /** When a probe last found Redis down or stalled for everyone. */
  private outageSeenAt = 0;
  /** What was last logged, so an outage logs one line per change, not one per second. */
  private reported: ProbeResult | 'ok' = 'ok';

  constructor(
    private readonly host: string,
    private readonly port: number,
    private readonly timings: ClusterTimings,
    private readonly logger: Logger,
  ) {}

  /**
   * A command got its answer. An outage seen lately still counts for its window: Redis answering
   * one connection says nothing yet of the lease connection, whose renewal (reclaiming the leases)
   * may come a reconnect later; until then the rooms kept through the outage must not be closed.
   * Nobody else can take them meanwhile: after an outage no room is placed for a lease period.
   */
  succeeded(): void {
    this.latest = undefined;
    if (this.reported !== 'ok') this.logger.info({}, 'Redis answers again');
    this.reported = 'ok';
  }

  /** A command failed or is slow: find out why, unless a probe is already under way. */
  troubled(): void {
    if (this.probing) return;
    this.probing = true;
    void probeRedis(this.host, this.port, probeTimeoutMs(this.timings)).then((result) => {
      this.probing = false;
      this.latest = { result, at: Date.now() };
      if (result === 'refused' || result === 'silent') this.outageSeenAt = this.latest.at;
      this.report(result);
    });
  }

  /**
   * True when a recent probe found Redis down or stalled, so rooms may outlive their unrenewed
   * leases. "Recent": within two renewal periods, since conditions change. That also covers the
   * moment Redis is back and answers a probe while our own connection is still reconnecting: the
   * renewal that follows reclaims the leases (or finds one lost), and only then is anything closed.
   */
  outageForEveryone(now = Date.now()): boolean {
    return this.outageSeenAt > 0 && now - this.outageSeenAt <= 2 * this.timings.renewMs + 2 * probeTimeoutMs(this.timings);
  }

  private report(result: ProbeResult): void {
    if (result === this.reported) return;
    this.reported = result;
    const at = `${this.host}:${this.port}`;
    if (result === 'refused') this.logger.warn({ redis: at }, 'Redis is down (connection refused): rooms here keep going; no room can be placed or moved until it is back');
    else if (result === 'silent') this.logger.warn({ redis: at }, 'Redis is stalled (accepts, does not answer): rooms here keep going until it answers again');
    else if (result === 'unreachable') this.logger.error({ redis: at }, 'cut off from Redis: rooms whose leases cannot be renewed close before the leases expire');
  }
}

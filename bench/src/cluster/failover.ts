import { waitUntil, type LocalCluster } from '@confab/loadtest';
import { ownerOf, restartKilled, rtcUrl, socketsByNode } from './clusterInfo';
import { RejoiningParticipant, type Return } from './RejoiningParticipant';
import { median } from './stats';

export interface FailoverRun {
  owner: string;
  /** Of the two sockets, how many were on the killed owner (the others were relayed to it). */
  socketsOnOwner: number;
  /** kill -9 → the subscriber receives the publisher's video again / its first key frame. */
  mediaBackMs: number;
  keyFrameMs: number;
  /** kill -9 → each one's socket closed, and → its session was back (resumed or rejoined). */
  publisher: ReturnSummary;
  subscriber: ReturnSummary;
  newOwner: string | undefined;
}

interface ReturnSummary {
  closeCode: number;
  lostAfterMs: number;
  backAfterMs: number;
  how: Return['how'];
  attempts: number;
}

export interface FailoverResult {
  runs: FailoverRun[];
  failures: string[];
  /** Median over the runs of kill → video key frame at the subscriber. */
  medianMs: number;
}

const MEDIA_TIMEOUT_MS = 30_000;

/**
 * Failover after `kill -9` of a room's owner, `runs` times: a headless publisher (synthetic VP8)
 * and a headless subscriber in one room, both through HAProxy; once video flows, the owner is
 * killed. Both come back as the SDK does (resume, then join again); timed until the subscriber
 * receives the publisher's video again. The killed node is started again before the next run.
 */
export async function measureFailover(cluster: LocalCluster, runs: number, log: (line: string) => void): Promise<FailoverResult> {
  const url = rtcUrl(cluster.url);
  const results: FailoverRun[] = [];
  const failures: string[] = [];
  for (let run = 1; run <= runs; run++) {
    const room = `failover-${run}`;
    const publisher = new RejoiningParticipant(url, room, 'Publisher', 300);
    const subscriber = new RejoiningParticipant(url, room, 'Subscriber', 0);
    try {
      await publisher.join();
      await subscriber.join();
      await waitUntil(() => subscriber.videoFrom(publisher.id).keyFrames > 0, 20_000, `run ${run}: video before the kill`);
      const owner = cluster.node((await ownerOf(cluster.redis, room))!);
      const socketsOnOwner = (await socketsByNode(cluster))[owner.id] ?? 0;
      const killedAt = performance.now();
      owner.signal('SIGKILL');
      let mediaBackMs = Number.NaN;
      await waitUntil(
        () => {
          const back = publisher.returns.length > 0 && subscriber.returns.length > 0 && subscriber.videoFrom(publisher.id);
          if (back && back.packets > 0 && Number.isNaN(mediaBackMs)) mediaBackMs = performance.now() - killedAt;
          return back !== false && back.keyFrames > 0;
        },
        MEDIA_TIMEOUT_MS,
        () => `run ${run}: video again after killing ${owner.id} (${publisher.describe()}; ${subscriber.describe()})`,
        5,
      );
      const keyFrameMs = performance.now() - killedAt;
      const summary = (p: RejoiningParticipant): ReturnSummary => {
        const r = p.returns[0]!;
        return { closeCode: r.closeCode, lostAfterMs: Math.round(r.lostAt - killedAt), backAfterMs: Math.round(r.backAt - killedAt), how: r.how, attempts: r.attempts };
      };
      const result: FailoverRun = {
        owner: owner.id,
        socketsOnOwner,
        mediaBackMs: Math.round(mediaBackMs),
        keyFrameMs: Math.round(keyFrameMs),
        publisher: summary(publisher),
        subscriber: summary(subscriber),
        newOwner: await ownerOf(cluster.redis, room),
      };
      results.push(result);
      log(`failover run ${run}: killed ${owner.id} (${socketsOnOwner} of 2 sockets on it); video again after ${result.mediaBackMs} ms, key frame ${result.keyFrameMs} ms; room now on ${result.newOwner}`);
    } catch (error) {
      failures.push((error as Error).message);
      log(`failover run ${run} failed: ${(error as Error).message}`);
    } finally {
      await Promise.all([publisher.close(), subscriber.close()]);
    }
    await restartKilled(cluster);
  }
  return { runs: results, failures, medianMs: Math.round(median(results.map((r) => r.keyFrameMs))) };
}

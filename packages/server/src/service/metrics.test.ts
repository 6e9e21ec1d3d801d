import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LocalDirectory } from '../cluster/LocalDirectory';
import type { MediaEngine } from '../media/types';
import type { RoomOptions } from '../rooms/Room';
import { ClusterMetrics, createMetrics } from './metrics';

const media: MediaEngine = {
  createRouter: () => {
    throw new Error('no rooms in this test');
  },
  stats: () => ({ routers: 0, transports: 2, producers: 0, consumers: 0, rtpPacketsReceived: 0, rtpPacketsForwarded: 7, rtpBytesForwarded: 0, pacerQueuedPackets: 0, pacerDroppedPackets: 0 }),
  close: async () => {},
};
const directory = new LocalDirectory(media, {} as RoomOptions, { maxRooms: 1 });

/** Every sample line of the Prometheus text (comments left out). */
function samples(text: string): string[] {
  return text.split('\n').filter((line) => line !== '' && !line.startsWith('#'));
}

test('every sample carries the node id as label `node`, the process defaults included', async () => {
  const { registry } = createMetrics(directory, media, () => 3, { nodeId: 'node-a1b2c3' });
  const lines = samples(await registry.metrics());
  assert.ok(lines.length > 20, `a full page of samples: ${lines.length}`);
  for (const line of lines) assert.match(line, /\{(.*,)?node="node-a1b2c3"(,.*)?\} /, line);
  assert.ok(lines.includes('confab_signal_connections{node="node-a1b2c3"} 3'));
  assert.ok(lines.includes('confab_media_rtp_packets_forwarded{node="node-a1b2c3"} 7'));
  assert.ok(lines.some((l) => l.startsWith('confab_process_process_cpu_seconds_total{node="node-a1b2c3"}')));
  assert.ok(!lines.some((l) => l.startsWith('confab_cluster_')), 'no cluster metrics on a single node');
});

test('ClusterMetrics: what the router reports is served under the documented names', async () => {
  const cluster = new ClusterMetrics();
  const { registry } = createMetrics(directory, media, () => 0, { nodeId: 'n2', cluster });
  cluster.setRoomsOwned(4);
  cluster.setSocketsRelayed(9);
  cluster.leaseRenewed();
  cluster.leaseRenewed(3);
  cluster.leaseFailed();
  for (const seconds of [0.0004, 0.0008, 0.003, 0.2]) cluster.observeRelayRoundTrip(seconds);
  const lines = samples(await registry.metrics());
  for (const want of [
    'confab_cluster_rooms_owned{node="n2"} 4',
    'confab_cluster_sockets_relayed{node="n2"} 9',
    'confab_cluster_lease_renewals_total{node="n2"} 4',
    'confab_cluster_lease_failures_total{node="n2"} 1',
    'confab_cluster_relay_round_trip_seconds_bucket{le="0.0005",node="n2"} 1',
    'confab_cluster_relay_round_trip_seconds_bucket{le="0.005",node="n2"} 3',
    'confab_cluster_relay_round_trip_seconds_bucket{le="+Inf",node="n2"} 4',
    'confab_cluster_relay_round_trip_seconds_count{node="n2"} 4',
  ]) {
    assert.ok(lines.includes(want), `${want}\n${lines.filter((l) => l.startsWith('confab_cluster_')).join('\n')}`);
  }
  cluster.setRoomsOwned(1);
  assert.ok(samples(await registry.metrics()).includes('confab_cluster_rooms_owned{node="n2"} 1'), 'a gauge follows what it is told');
});

test("a scrape reads the media engine once: every media gauge, the workers' included, from the same stats", async () => {
  let reads = 0;
  const counting: MediaEngine = {
    ...media,
    stats: () => {
      reads++;
      const worker = { index: 0, routers: 1, transports: reads, rtpPacketsReceived: 0, rtpPacketsForwarded: reads * 10, cpuSeconds: 0, cpuSystemSeconds: 0, restarts: 0 };
      return { ...media.stats(), transports: reads, rtpPacketsForwarded: reads * 10, workers: [worker] };
    },
  };
  const { registry, scrape } = createMetrics(directory, counting, () => 0, { nodeId: 'n3' });
  const lines = samples(await scrape());
  assert.equal(reads, 1, 'one read for all the gauges');
  for (const want of ['confab_media_transports{node="n3"} 1', 'confab_media_rtp_packets_forwarded{node="n3"} 10', 'confab_media_worker_transports{worker="0",node="n3"} 1']) {
    assert.ok(lines.includes(want), `${want}\n${lines.filter((l) => l.startsWith('confab_media_')).join('\n')}`);
  }
  assert.ok(samples(await scrape()).includes('confab_media_transports{node="n3"} 2'), 'the next scrape reads afresh');
  assert.equal(reads, 2);
  await registry.metrics();
  assert.ok(reads > 2, 'outside a scrape each gauge reads live');
});

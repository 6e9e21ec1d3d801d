import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { LocalDirectory } from '../cluster/LocalDirectory';
import type { MediaEngine, MediaWorkerStats } from '../media/types';

/** Prometheus metrics, served at /metrics. Gauges are read from live state at scrape time. */
export function createMetrics(directory: LocalDirectory, media: MediaEngine, connections: () => number) {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'confab_process_' });

  const gauge = (name: string, help: string, read: () => number) =>
    new Gauge({ name, help, registers: [registry], collect() { this.set(read()); } });
  gauge('confab_rooms', 'Rooms open on this node', () => directory.roomCount);
  gauge('confab_participants', 'Participants in rooms on this node', () => {
    let n = 0;
    for (const room of directory.rooms()) n += room.size;
    return n;
  });
  gauge('confab_signal_connections', 'Open signaling WebSockets', connections);
  gauge('confab_media_transports', 'Open media transports', () => media.stats().transports);
  gauge('confab_media_producers', 'Tracks being received', () => media.stats().producers);
  gauge('confab_media_consumers', 'Tracks being forwarded', () => media.stats().consumers);
  gauge('confab_media_rtp_packets_received', 'RTP packets received from publishers (cumulative)', () => media.stats().rtpPacketsReceived);
  gauge('confab_media_rtp_packets_forwarded', 'RTP packets forwarded to subscribers (cumulative)', () => media.stats().rtpPacketsForwarded);
  gauge('confab_media_rtp_bytes_forwarded', 'RTP bytes forwarded to subscribers (cumulative)', () => media.stats().rtpBytesForwarded);
  gauge('confab_media_pacer_queued_packets', 'Video packets held back by a pacer to spread a burst (cumulative)', () => media.stats().pacerQueuedPackets);
  gauge('confab_media_pacer_dropped_packets', 'Of those, dropped after waiting too long: a stalled media thread (cumulative)', () => media.stats().pacerDroppedPackets);
  // One series per media worker (when media runs on worker threads): how rooms and load spread over cores.
  const perWorker = (name: string, help: string, read: (worker: MediaWorkerStats) => number) =>
    new Gauge({
      name,
      help,
      labelNames: ['worker'],
      registers: [registry],
      collect() {
        this.reset();
        for (const worker of media.stats().workers ?? []) this.set({ worker: String(worker.index) }, read(worker));
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

  return { registry, refusedConnections, processErrors };
}

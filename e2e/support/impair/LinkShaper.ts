/**
 * Impairments on one participant's veth pair, set and lifted at run time:
 * - a rate cap with `tc ... tbf` (this kernel has no netem): downlink on the server's end,
 *   uplink on the participant's;
 * - random loss with nftables (`numgen random mod 100 < N drop`) on UDP, where it arrives (media;
 *   signaling over TCP keeps working, as on a lossy radio link where TCP retransmits).
 */
import type { NetNamespace } from './NetNamespace';
import { run } from './run';

export type Direction = 'down' | 'up';

/**
 * The bottleneck's queue: what would wait longer than about this is dropped. tbf bounds its
 * queue at rate x latency + burst, so the bucket is kept to two full packets (it must hold one):
 * with the 20 kB bucket this file used to have, a 400 kbit/s cap queued 390-520 ms (measured:
 * timestamped packets flooded through it), not the 50 ms it meant. Now at most 50 ms plus two
 * packets: 110 ms at 400 kbit/s, 74 ms at 1 Mbit/s.
 */
const LATENCY_MS = 50;
const BURST_BYTES = 3000;

export class LinkShaper {
  private readonly table: string;
  private lossActive = false;

  constructor(private readonly ns: NetNamespace) {
    this.table = `confab_impair_${ns.index}`;
  }

  /** Caps the rate (kbit/s) one way; replaces an earlier cap. */
  async cap(direction: Direction, kbit: number): Promise<void> {
    const args = ['qdisc', 'replace', 'dev', this.device(direction), 'root', 'tbf', 'rate', `${kbit}kbit`, 'burst', String(BURST_BYTES), 'latency', `${LATENCY_MS}ms`];
    if (direction === 'down') await run('tc', args);
    else await this.ns.exec('tc', args);
  }

  /** Lifts the cap one way (nothing if none). */
  async uncap(direction: Direction): Promise<void> {
    const args = ['qdisc', 'del', 'dev', this.device(direction), 'root'];
    const done = direction === 'down' ? run('tc', args) : this.ns.exec('tc', args);
    await done.catch(() => {}); // no qdisc: nothing to lift
  }

  /**
   * Drops `percent` % of UDP packets one way or both, at random; replaces earlier loss rules. Each
   * way is dropped where it arrives (the input hook of the receiving end's namespace): a drop on
   * the sender's output hook fails its send call instead (EPERM), and a sender that tries the
   * packet again gets most of it through (5 % dropped there was measured as 1.2 % lost).
   */
  async loss(percent: number, direction: Direction | 'both' = 'down'): Promise<void> {
    if (!(percent >= 0 && percent <= 100)) throw new Error('loss percent must be 0..100');
    await this.clearLoss();
    if (percent === 0) return;
    const drop = ['meta', 'l4proto', 'udp', 'numgen', 'random', 'mod', '100', '<', String(Math.round(percent)), 'drop'];
    const inputChain = '{ type filter hook input priority 0 ; }';
    this.lossActive = true;
    if (direction !== 'up') {
      await this.ns.exec('nft', ['add', 'table', 'inet', this.table]);
      await this.ns.exec('nft', ['add', 'chain', 'inet', this.table, 'down', inputChain]);
      await this.ns.exec('nft', ['add', 'rule', 'inet', this.table, 'down', 'iifname', this.ns.participantDevice, ...drop]);
    }
    if (direction !== 'down') {
      await run('nft', ['add', 'table', 'inet', this.table]);
      await run('nft', ['add', 'chain', 'inet', this.table, 'up', inputChain]);
      await run('nft', ['add', 'rule', 'inet', this.table, 'up', 'iifname', this.ns.serverDevice, ...drop]);
    }
  }

  async clearLoss(): Promise<void> {
    if (!this.lossActive) return;
    this.lossActive = false;
    // The table of whichever ends have one.
    await this.ns.exec('nft', ['delete', 'table', 'inet', this.table]).catch(() => {});
    await run('nft', ['delete', 'table', 'inet', this.table]).catch(() => {});
  }

  /** Lifts everything. */
  async clear(): Promise<void> {
    await this.uncap('down');
    await this.uncap('up');
    await this.clearLoss();
  }

  private device(direction: Direction): string {
    return direction === 'down' ? this.ns.serverDevice : this.ns.participantDevice;
  }
}

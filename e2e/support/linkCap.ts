/**
 * Impairs what the server sends to one page's subscribing connection, inside the test's own
 * network namespace (loopback only): a `tc` tbf rate cap (under an htb root on lo, with a u32
 * filter on the page's UDP port, so only that flow is capped) and nftables random loss
 * (`numgen random mod 100 < N drop`). The kernel here has no netem; neither is needed for this.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { Page } from 'playwright-core';

const run = promisify(execFile);
const TABLE = 'confab_e2e_loss';

/** The local UDP port of the selected pair of the page's subscribing connection (the one receiving RTP). */
export async function subscriberUdpPort(page: Page): Promise<number> {
  const port = await page.evaluate(async () => {
    const pcs = (window as unknown as { __e2ePeerConnections: RTCPeerConnection[] }).__e2ePeerConnections ?? [];
    for (const pc of pcs) {
      if (pc.connectionState !== 'connected') continue;
      const stats = await pc.getStats();
      let receives = false;
      stats.forEach((s: { type: string; kind?: string }) => {
        if (s.type === 'inbound-rtp' && s.kind === 'video') receives = true;
      });
      if (!receives || pc.getSenders().some((s) => s.track !== null)) continue;
      for (const s of stats.values()) {
        if (s.type !== 'transport' || !s.selectedCandidatePairId) continue;
        const pair = stats.get(s.selectedCandidatePairId);
        const local = pair && stats.get(pair.localCandidateId);
        if (local && local.protocol === 'udp') return local.port as number;
      }
    }
    return 0;
  });
  if (port === 0) throw new Error('the page has no connected UDP connection receiving video');
  return port;
}

async function tc(...args: string[]): Promise<void> {
  await run('tc', args);
}

/** A rate cap and/or random loss on UDP to one port on lo. */
export class LinkCap {
  private shaping = false;
  private lossy = false;

  constructor(private readonly port: number) {}

  /** Caps the flow at `kbps` (a tbf with a ~200 ms queue, like a home router's). */
  async cap(kbps: number): Promise<void> {
    if (!this.shaping) {
      await tc('qdisc', 'add', 'dev', 'lo', 'root', 'handle', '1:', 'htb', 'default', '20', 'r2q', '1000');
      await tc('class', 'add', 'dev', 'lo', 'parent', '1:', 'classid', '1:10', 'htb', 'rate', '10gbit');
      await tc('class', 'add', 'dev', 'lo', 'parent', '1:', 'classid', '1:20', 'htb', 'rate', '10gbit');
      await tc('filter', 'add', 'dev', 'lo', 'parent', '1:', 'protocol', 'ip', 'prio', '1', 'u32', 'match', 'ip', 'protocol', '17', '0xff', 'match', 'ip', 'dport', String(this.port), '0xffff', 'flowid', '1:10');
      this.shaping = true;
    }
    const burst = String(Math.max(3000, Math.round((kbps * 1000) / 8 / 50))); // ~20 ms at the rate
    await tc('qdisc', 'replace', 'dev', 'lo', 'parent', '1:10', 'handle', '10:', 'tbf', 'rate', `${kbps}kbit`, 'burst', burst, 'latency', '200ms');
  }

  /** Lifts the cap (the flow is unshaped again). */
  async uncap(): Promise<void> {
    if (!this.shaping) return;
    this.shaping = false;
    await tc('qdisc', 'del', 'dev', 'lo', 'root');
  }

  /** Drops `percent`% of the flow's packets at random (0 removes the rule). */
  async loss(percent: number): Promise<void> {
    if (this.lossy) {
      await run('nft', ['delete', 'table', 'inet', TABLE]);
      this.lossy = false;
    }
    if (percent <= 0) return;
    await run('nft', ['add', 'table', 'inet', TABLE]);
    await run('nft', ['add', 'chain', 'inet', TABLE, 'out', '{ type filter hook output priority 0 ; }']);
    await run('nft', ['add', 'rule', 'inet', TABLE, 'out', 'udp', 'dport', String(this.port), 'numgen', 'random', 'mod', '100', '<', String(percent), 'drop']);
    this.lossy = true;
  }

  async clear(): Promise<void> {
    await this.uncap().catch(() => {});
    await this.loss(0).catch(() => {});
  }
}

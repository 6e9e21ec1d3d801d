/**
 * Cuts one participant off the network for real: nftables rules, in the test's own network
 * namespace, that drop its signaling TCP (it reaches the server through its own loopback address)
 * and its media UDP (the ports of its ICE candidates). Nothing is closed: packets just vanish,
 * as when a laptop lid shuts or Wi-Fi drops.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { PageReader } from './observe';

const run = promisify(execFile);
const TABLE = 'confab_e2e';

async function nft(...args: string[]): Promise<void> {
  await run('nft', args);
}

/** UDP ports of every local ICE candidate of every RTCPeerConnection the page made (see PC_RECORDER). */
export async function localUdpPorts(page: PageReader): Promise<number[]> {
  return page.evaluate(async () => {
    const pcs = (window as unknown as { __e2ePeerConnections: RTCPeerConnection[] }).__e2ePeerConnections ?? [];
    const ports = new Set<number>();
    for (const pc of pcs) {
      if (pc.connectionState === 'closed') continue;
      const report = await pc.getStats();
      report.forEach((s: { type: string; protocol?: string; port?: number }) => {
        if (s.type === 'local-candidate' && s.protocol === 'udp' && typeof s.port === 'number') ports.add(s.port);
      });
    }
    return [...ports];
  });
}

/** An init script that keeps every RTCPeerConnection a page creates in `window.__e2ePeerConnections`. */
export const PC_RECORDER = `(() => {
  const Native = window.RTCPeerConnection;
  const list = [];
  Object.defineProperty(window, '__e2ePeerConnections', { value: list });
  window.RTCPeerConnection = class extends Native {
    constructor(...args) { super(...args); list.push(this); }
  };
})();`;

export class NetworkCut {
  private active = false;

  /** `address` is the loopback address the participant's page was opened on (e.g. 127.0.0.2). */
  constructor(
    private readonly address: string,
    private readonly serverPort: number,
  ) {}

  async cut(udpPorts: number[]): Promise<void> {
    if (udpPorts.length === 0) throw new Error('no UDP ports to block: the participant has no ICE candidates yet');
    const ports = `{ ${udpPorts.join(', ')} }`;
    await nft('add', 'table', 'inet', TABLE);
    await nft('add', 'chain', 'inet', TABLE, 'out', '{ type filter hook output priority 0 ; }');
    await nft('add', 'rule', 'inet', TABLE, 'out', 'ip', 'daddr', this.address, 'tcp', 'dport', String(this.serverPort), 'drop');
    await nft('add', 'rule', 'inet', TABLE, 'out', 'ip', 'saddr', this.address, 'tcp', 'sport', String(this.serverPort), 'drop');
    await nft('add', 'rule', 'inet', TABLE, 'out', 'udp', 'sport', ports, 'drop');
    await nft('add', 'rule', 'inet', TABLE, 'out', 'udp', 'dport', ports, 'drop');
    this.active = true;
  }

  async restore(): Promise<void> {
    if (!this.active) return;
    this.active = false;
    await nft('delete', 'table', 'inet', TABLE);
  }
}

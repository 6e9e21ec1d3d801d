import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);
const TABLE = 'confab_test_loss';

/**
 * Real packet loss: an nftables rule, in the test's own network namespace, that drops a random
 * `percent` (up to all) of the UDP datagrams sent to (or from) one port.
 */
export class PacketLoss {
  private constructor() {}

  static toPort(port: number, percent: number): Promise<PacketLoss> {
    return PacketLoss.start('dport', port, percent);
  }

  static fromPort(port: number, percent: number): Promise<PacketLoss> {
    return PacketLoss.start('sport', port, percent);
  }

  private static async start(match: 'sport' | 'dport', port: number, percent: number): Promise<PacketLoss> {
    await run('nft', ['add', 'table', 'inet', TABLE]);
    await run('nft', ['add', 'chain', 'inet', TABLE, 'out', '{ type filter hook output priority 0 ; }']);
    const sample = percent >= 100 ? [] : ['numgen', 'random', 'mod', '100', '<', String(percent)];
    await run('nft', ['add', 'rule', 'inet', TABLE, 'out', 'udp', match, String(port), ...sample, 'drop']);
    return new PacketLoss();
  }

  async stop(): Promise<void> {
    await run('nft', ['delete', 'table', 'inet', TABLE]);
  }
}

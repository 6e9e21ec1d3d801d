/**
 * An address other than loopback inside the test's network namespace. Firefox gathers no ICE
 * candidates when loopback is the only interface (Chromium needs a flag; Firefox has none), so the
 * Firefox tests add a veth pair whose ends both stay in the namespace, give one end an address and
 * a default route, and let the server announce that address (CONFAB_PUBLIC_IP). Traffic to it never
 * leaves the namespace: the kernel delivers packets to a local address over loopback.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The end that carries the address, its peer, and the address (a private /24 nobody else uses here). */
const DEVICE = 'cfx0';
const PEER = 'cfx1';
export const VETH_ADDRESS = '10.99.0.1';

async function ip(...args: string[]): Promise<string> {
  return (await run('ip', args)).stdout;
}

async function interfaces(): Promise<string[]> {
  const out = await ip('-o', 'link', 'show');
  // "1: lo: <LOOPBACK,...": the name sits between the first ": " and the next ":" (or "@peer:").
  return out.split('\n').filter(Boolean).map((line) => line.split(': ')[1]!.split('@')[0]!.trim());
}

export class VethNetwork {
  private constructor() {}

  readonly address = VETH_ADDRESS;

  /**
   * Adds the pair, its address and the default route; idempotent. Refuses to touch anything in a
   * namespace that has another interface than loopback and our pair: that is the host's (or one
   * someone else made), and test traffic must stay in a namespace of our own (scripts/run-tests.sh
   * runs every test under `unshare -n`).
   */
  static async up(): Promise<VethNetwork> {
    const present = await interfaces();
    const foreign = present.filter((name) => name !== 'lo' && name !== DEVICE && name !== PEER);
    if (foreign.length > 0) {
      throw new Error(
        `refusing to add a veth pair: this network namespace has ${foreign.join(', ')}, so it is not a private test ` +
          `namespace; run the Firefox tests inside one (scripts/run-tests.sh, or unshare -n)`,
      );
    }
    // A pair left by an interrupted run is reused: every step below is safe to repeat.
    if (!present.includes(DEVICE)) await ip('link', 'add', DEVICE, 'type', 'veth', 'peer', 'name', PEER);
    const addresses = await ip('-o', '-4', 'addr', 'show', 'dev', DEVICE);
    if (!addresses.includes(` ${VETH_ADDRESS}/`)) await ip('addr', 'add', `${VETH_ADDRESS}/24`, 'dev', DEVICE);
    await ip('link', 'set', DEVICE, 'up');
    await ip('link', 'set', PEER, 'up');
    await ip('route', 'replace', 'default', 'dev', DEVICE);
    return new VethNetwork();
  }

  /**
   * Removes the pair (deleting one end deletes both, the address and the route), so the test files
   * that run after this one in the same namespace find loopback alone again.
   */
  async down(): Promise<void> {
    await ip('link', 'del', DEVICE).catch(() => undefined);
  }
}

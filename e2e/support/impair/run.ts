import { execFile } from 'node:child_process';
import { readlinkSync } from 'node:fs';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

/** Runs a command, failing with its stderr. */
export async function run(command: string, args: readonly string[]): Promise<string> {
  try {
    const { stdout } = await execFileAsync(command, [...args], { maxBuffer: 16 * 1024 * 1024 });
    return stdout;
  } catch (err) {
    const e = err as Error & { stderr?: string };
    throw new Error(`${command} ${args.join(' ')} failed: ${(e.stderr ?? e.message).trim()}`);
  }
}

/**
 * The harness changes network interfaces, routes and firewall rules. It only ever does so inside
 * a network namespace the test made (run-tests.sh's `unshare -n`, or the ones made here), never
 * in the machine's own: this is the check.
 */
export function assertPrivateNetworkNamespace(): void {
  const self = readlinkSync('/proc/self/ns/net');
  let host: string;
  try {
    host = readlinkSync('/proc/1/ns/net');
  } catch {
    return; // not allowed to look at init's: we are not in the host's namespace as root anyway
  }
  if (self === host) {
    throw new Error('the impairment harness runs only inside a private network namespace (scripts/run-tests.sh does `unshare -n`)');
  }
}

/** Whether per-participant namespaces can be made here (root, iproute2, nftables). */
export async function canImpair(): Promise<string | null> {
  if (process.getuid?.() !== 0) return 'needs root (ip netns, tc, nft)';
  try {
    assertPrivateNetworkNamespace();
    await run('ip', ['-V']);
    await run('tc', ['-V']);
    await run('nft', ['--version']);
  } catch (err) {
    return (err as Error).message;
  }
  return null;
}

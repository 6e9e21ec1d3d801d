/**
 * One participant's own network namespace, joined to the test's namespace (where the server runs)
 * by a veth pair, so that its link can be capped or made lossy alone:
 *
 *   test namespace (server, SERVER_ADDRESS on lo)  ── ve-<tag>-s 10.77.<i>.1/30
 *                                                       │ veth
 *   participant namespace <name>                    ── ve-<tag>-p 10.77.<i>.2/30, default route via .1
 *
 * Both ends live in namespaces the test made; nothing touches the machine's own network.
 */
import { mkdtempSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { assertPrivateNetworkNamespace, run } from './run';

/** The server's address for every participant namespace (on the test namespace's lo; CONFAB_PUBLIC_IP). */
export const SERVER_ADDRESS = '10.77.255.1';

let serverAddressAdded = false;

/** Adds SERVER_ADDRESS to the test namespace's loopback, once. */
export async function ensureServerAddress(): Promise<string> {
  assertPrivateNetworkNamespace();
  if (!serverAddressAdded) {
    const present = await run('ip', ['-o', 'addr', 'show', 'dev', 'lo']);
    if (!present.includes(`${SERVER_ADDRESS}/`)) await run('ip', ['addr', 'add', `${SERVER_ADDRESS}/32`, 'dev', 'lo']);
    serverAddressAdded = true;
  }
  return SERVER_ADDRESS;
}

export class NetNamespace {
  /** The veth end in the test (server) namespace: tc here shapes what the participant receives. */
  readonly serverDevice: string;
  /** The veth end inside the participant's namespace: tc there shapes what it sends. */
  readonly participantDevice: string;
  readonly serverSideAddress: string;
  readonly address: string;
  private closed = false;
  private wrapperDir: string | undefined;

  private constructor(
    readonly name: string,
    readonly index: number,
  ) {
    const tag = `${process.pid % 10000}${index}`;
    this.serverDevice = `vs${tag}`;
    this.participantDevice = `vp${tag}`;
    this.serverSideAddress = `10.77.${index}.1`;
    this.address = `10.77.${index}.2`;
  }

  /** Makes namespace number `index` (1..254; unique within the test) with its veth pair and routes. */
  static async create(index: number): Promise<NetNamespace> {
    if (!Number.isInteger(index) || index < 1 || index > 254) throw new Error('namespace index must be 1..254');
    await ensureServerAddress();
    // The name carries our pid: other test runs on this machine may make namespaces at the same time.
    const ns = new NetNamespace(`confab-${process.pid}-${index}`, index);
    try {
      await run('ip', ['netns', 'add', ns.name]);
      await run('ip', ['link', 'add', ns.serverDevice, 'type', 'veth', 'peer', 'name', ns.participantDevice]);
      await run('ip', ['link', 'set', ns.participantDevice, 'netns', ns.name]);
      await run('ip', ['addr', 'add', `${ns.serverSideAddress}/30`, 'dev', ns.serverDevice]);
      await run('ip', ['link', 'set', ns.serverDevice, 'up']);
      // The server's UDP socket is bound to 0.0.0.0: its replies must come from SERVER_ADDRESS (the
      // address its ICE candidates carry), not from this end's own address, or ICE over UDP fails.
      await run('ip', ['route', 'replace', `10.77.${index}.0/30`, 'dev', ns.serverDevice, 'src', SERVER_ADDRESS]);
      await ns.exec('ip', ['link', 'set', 'lo', 'up']);
      await ns.exec('ip', ['addr', 'add', `${ns.address}/30`, 'dev', ns.participantDevice]);
      await ns.exec('ip', ['link', 'set', ns.participantDevice, 'up']);
      await ns.exec('ip', ['route', 'add', 'default', 'via', ns.serverSideAddress]);
    } catch (err) {
      await ns.close();
      throw err;
    }
    return ns;
  }

  /** Runs a command inside the namespace. */
  exec(command: string, args: readonly string[]): Promise<string> {
    return run('ip', ['netns', 'exec', this.name, command, ...args]);
  }

  /**
   * An executable that starts `binary` inside this namespace with the arguments it is given:
   * playwright's `executablePath` for a browser that lives on this participant's link.
   */
  wrapper(binary: string): string {
    this.wrapperDir ??= mkdtempSync(join(tmpdir(), 'confab-netns-'));
    const path = join(this.wrapperDir, 'in-netns.sh');
    writeFileSync(path, `#!/bin/sh\nexec ip netns exec ${this.name} ${binary} "$@"\n`);
    chmodSync(path, 0o755);
    return path;
  }

  /** Deletes the namespace (its veth end goes with it, and so the pair). Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await run('ip', ['link', 'del', this.serverDevice]).catch(() => {});
    await run('ip', ['netns', 'del', this.name]).catch(() => {});
    if (this.wrapperDir) rmSync(this.wrapperDir, { recursive: true, force: true });
  }
}

import type { StunMessage } from '@confab/wire';
import { IceLiteEndpoint } from '../IceLiteEndpoint';
import type { IcePath, PacketReceiver, StunRequestHandler } from '../IcePath';
import type { IceRegistry } from '../IceRegistry';

/**
 * A real IceLiteEndpoint under a recorder instead of a transport: what the muxes route to it is
 * written down, so tests can check the routing without a DTLS handshake on top.
 */
export class RecordingOwner implements StunRequestHandler, PacketReceiver {
  readonly endpoint: IceLiteEndpoint;
  readonly packets: Array<{ buf: Buffer; path: IcePath; arrivalMs: number }> = [];
  readonly closedPaths: IcePath[] = [];
  readonly selections: Array<IcePath | null> = [];
  consentExpired = false;
  restartsCompleted = 0;
  /** Routed packets, recorded or not. */
  received = 0;
  /** False: packets are only counted (an allocation test must not copy them). */
  record = true;
  /** Runs for each routed packet, inside the mux's handling of its datagram (e.g. to answer it). */
  onPacket: ((buf: Buffer, path: IcePath) => void) | undefined = undefined;

  constructor(registry: IceRegistry, consentTimeoutMs = 30_000) {
    this.endpoint = new IceLiteEndpoint({
      registry,
      owner: this,
      consentTimeoutMs,
      onSelectedPath: (path) => this.selections.push(path),
      onConsentExpired: () => (this.consentExpired = true),
      onRestartCompleted: () => this.restartsCompleted++,
    });
  }

  get ufrag(): string {
    return this.endpoint.localCredentials.usernameFragment;
  }

  get password(): string {
    return this.endpoint.localCredentials.password;
  }

  handleStunRequest(buf: Buffer, msg: StunMessage, path: IcePath): void {
    this.endpoint.handleStunRequest(buf, msg, path);
  }

  receivePacket(buf: Buffer, length: number, path: IcePath): void {
    this.received++;
    if (!this.record) return;
    const packet = Buffer.from(buf.subarray(0, length));
    this.packets.push({ buf: packet, path, arrivalMs: path.arrivalMs });
    this.onPacket?.(packet, path);
  }

  pathClosed(path: IcePath): void {
    this.closedPaths.push(path);
    this.endpoint.pathClosed(path);
  }
}

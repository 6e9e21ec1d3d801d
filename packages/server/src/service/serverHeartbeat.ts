import type { Duplex } from 'node:stream';
import { encodeMessage } from '@confab/protocol';
import { nativeTcpUserTimeout, srtpNativeLoadError, type NativeTcpUserTimeout } from '@confab/srtp';

/**
 * How long data we sent may stay unacknowledged before the kernel drops the connection, when the
 * server keeps the heartbeat (CONFAB_HEARTBEAT=server): `timeoutMs - intervalMs`. We send a frame
 * at least every interval (plus one pass of the shared timer), and the kernel gives up at a turn of
 * its retransmission timer (200 ms apart at least), so a client whose network vanished is dropped
 * at most `timeoutMs` + a pass + a turn after its kernel last acknowledged us: ~4.5 s at the
 * defaults, under the 5 s docs/protocol.md "Resume" promises.
 */
export function heartbeatUserTimeoutMs(intervalMs: number, timeoutMs: number): number {
  return timeoutMs - intervalMs;
}

/** Sets the TCP user timeout on each signaling socket, where the server keeps the heartbeat. */
export class ServerHeartbeat {
  private constructor(
    private readonly setUserTimeout: NativeTcpUserTimeout,
    readonly userTimeoutMs: number,
  ) {}

  /** Throws when the native core cannot set the timeout: without it, a lost client would go unnoticed. */
  static create(intervalMs: number, timeoutMs: number): ServerHeartbeat {
    const setter = nativeTcpUserTimeout();
    if (!setter) throw new Error(`CONFAB_HEARTBEAT=server needs the native core on Linux (${srtpNativeLoadError() ?? 'TCP_USER_TIMEOUT unavailable'}); use CONFAB_HEARTBEAT=client`);
    return new ServerHeartbeat(setter, heartbeatUserTimeoutMs(intervalMs, timeoutMs));
  }

  /** False if the socket has no file descriptor we can reach or refused the option. */
  apply(socket: Duplex): boolean {
    // net.Socket and TLSSocket both keep their TCP handle's descriptor here.
    const fd = (socket as { _handle?: { fd?: unknown } })._handle?.fd;
    return typeof fd === 'number' && fd >= 0 && this.setUserTimeout(fd, this.userTimeoutMs);
  }
}

/**
 * The `pong` a pass of the server's heartbeat timer writes to every connection due one: encoded
 * once for the pass, when the first connection asks, not once per connection.
 */
export class KeepAliveFrame {
  private encoded: Buffer | undefined;

  constructor(readonly time: number) {}

  get bytes(): Buffer {
    return (this.encoded ??= Buffer.from(encodeMessage({ type: 'pong', time: this.time })));
  }
}

import type { ServerMessage } from '@confab/protocol';

/** Until `joined` says how often: well within the server's default 4 s heartbeat timeout. */
export const DEFAULT_HEARTBEAT_MS = 1000;

/**
 * The client's half of the heartbeat, as the SDK does it (docs/protocol.md "Resume"): a `ping
 * {lastSeq}` every interval, which the server answers with a `pong` without id (isHeartbeatPong);
 * a socket silent past the server's timeout is dropped. `ping` sends one (on an open socket).
 */
export class ClientHeartbeat {
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly ping: () => void) {}

  /** (Re)starts at `intervalMs`: a default at first, then what `joined` asks for. */
  every(intervalMs: number): void {
    this.stop();
    this.timer = setInterval(this.ping, intervalMs);
    this.timer.unref();
  }

  /** Says nothing unasked from now on (a closed socket, or a network that vanished). */
  stop(): void {
    clearInterval(this.timer);
  }
}

/** The server's answer to a heartbeat ping (the pong to a ping sent as a request carries its id). */
export function isHeartbeatPong(message: ServerMessage): boolean {
  return message.type === 'pong' && message.id === undefined;
}

import { encodeHeartbeatPing, heartbeatWantsReply, type ServerMessage } from '@confab/protocol';

/** Until `joined` says how often: well within the server's default 4 s heartbeat timeout. */
export const DEFAULT_HEARTBEAT_MS = 1000;

/**
 * The client's half of the heartbeat, as the SDK does it (docs/protocol.md "Resume"): the SDK's
 * `ping {lastSeq}` every interval, asking for a `pong` (without id: isHeartbeatPong) only when the
 * server has said nothing since the previous ping, so an idle session costs the server one pong per two
 * pings. When the server keeps the heartbeat (`joined.session.serverPings`), no pings: received
 * messages are acknowledged at most once an interval, as the SDK does. `send` writes a frame (on an
 * open socket); call `heard()` for every frame received. Unlike the SDK it never drops a silent
 * server: these clients are the server's tests and load.
 */
export class ClientHeartbeat {
  /** Ask for a pong on every ping, as SDKs before `reply: false` did (bench:signal compares the two). */
  askEveryPing = false;
  private timer: NodeJS.Timeout | undefined;
  private lastHeard = Date.now();

  constructor(
    private readonly send: (frame: string) => void,
    private readonly lastSeq: () => number,
  ) {}

  /** (Re)starts at `intervalMs`: a default at first, then what `joined` asks for. */
  every(intervalMs: number): void {
    this.stop();
    let previousPingAt = Date.now();
    this.timer = setInterval(() => {
      const reply = this.askEveryPing || heartbeatWantsReply(this.lastHeard, previousPingAt);
      previousPingAt = Date.now();
      this.send(encodeHeartbeatPing(this.lastSeq(), reply));
    }, intervalMs);
    this.timer.unref();
  }

  /**
   * The server keeps the heartbeat: from now on a ping only acknowledges `lastSeq` when it moved,
   * at most once every `intervalMs` (so the server can drop what we have from its replay buffer).
   */
  serverKeeps(intervalMs: number): void {
    this.stop();
    let acknowledged = this.lastSeq();
    this.timer = setInterval(() => {
      const seq = this.lastSeq();
      if (seq === acknowledged) return;
      acknowledged = seq;
      this.send(encodeHeartbeatPing(seq, false));
    }, intervalMs);
    this.timer.unref();
  }

  /** The server said something: it is alive, and the next ping need not ask. */
  heard(): void {
    this.lastHeard = Date.now();
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

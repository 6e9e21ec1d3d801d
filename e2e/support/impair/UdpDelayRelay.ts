/**
 * This kernel has no netem, so delay is added in user space: a UDP relay that forwards datagrams
 * between one client and one upstream address, holding each for `delayMs` (each way), optionally
 * dropping a share at random. Put its address where the client would have used the upstream's
 * (e.g. in CONFAB_PUBLIC_IP for a participant whose link needs latency).
 */
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';

export interface RelayOptions {
  /** Where the relay listens (host, port 0: any free). */
  listenHost: string;
  listenPort?: number;
  upstreamHost: string;
  upstreamPort: number;
  /** Added each way. */
  delayMs: number;
}

export class UdpDelayRelay {
  /** Towards the client: it sends here. */
  private readonly front: Socket;
  /** Towards the upstream: one socket, so the upstream sees one stable address. */
  private readonly back: Socket;
  private client: RemoteInfo | undefined;
  private closed = false;
  forwarded = 0;

  private constructor(private readonly options: RelayOptions) {
    this.front = createSocket('udp4');
    this.back = createSocket('udp4');
    this.front.on('message', (msg, from) => {
      this.client = from;
      this.later(() => this.back.send(msg, this.options.upstreamPort, this.options.upstreamHost));
    });
    this.back.on('message', (msg) => {
      const client = this.client;
      if (client) this.later(() => this.front.send(msg, client.port, client.address));
    });
  }

  static async start(options: RelayOptions): Promise<UdpDelayRelay> {
    const relay = new UdpDelayRelay(options);
    await new Promise<void>((resolve) => relay.front.bind(options.listenPort ?? 0, options.listenHost, resolve));
    await new Promise<void>((resolve) => relay.back.bind(0, resolve));
    return relay;
  }

  get port(): number {
    return this.front.address().port;
  }

  setDelay(delayMs: number): void {
    this.options.delayMs = delayMs;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.front.close();
    this.back.close();
  }

  private later(send: () => void): void {
    const go = (): void => {
      if (this.closed) return;
      this.forwarded++;
      send();
    };
    if (this.options.delayMs <= 0) go();
    else setTimeout(go, this.options.delayMs);
  }
}

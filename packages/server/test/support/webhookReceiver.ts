import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WEBHOOK_KEY_HEADER, WEBHOOK_SIGNATURE_HEADER, WebhookEvent } from '@confab/protocol';

export interface ReceivedRequest {
  readonly event: WebhookEvent;
  /** The body exactly as it came. */
  readonly raw: string;
  readonly contentType: string | undefined;
  /** Date.now() when the body had arrived. */
  readonly at: number;
  /** The answer it got (0 while held); 401 when its signature did not check out. */
  status: number;
}

/**
 * A webhook receiver on a real port of this machine, as an operator's backend would be: it checks
 * each request's key and signature (401 if wrong), then answers as the test says.
 */
export class WebhookReceiver {
  /** Every request in the order it came, with its answer once given. */
  readonly requests: ReceivedRequest[] = [];
  /** The answer to a correctly signed request: a status, or a promise of one to hold the request. */
  answer: (event: WebhookEvent, attempt: number) => number | Promise<number> = () => 200;
  badSignatures = 0;

  private constructor(
    private readonly server: Server,
    private readonly apiKey: string,
    private readonly apiSecret: string,
  ) {}

  static async listen(apiKey: string, apiSecret: string, port = 0): Promise<WebhookReceiver> {
    const server = createServer();
    const receiver = new WebhookReceiver(server, apiKey, apiSecret);
    server.on('request', (request, response) => {
      void receiver.handle(request).then((status) => response.writeHead(status).end(status < 300 ? 'ok' : 'no'));
    });
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    return receiver;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hooks/confab?token=t0k3n`;
  }

  /** The events it accepted (2xx), in the order they came. */
  accepted(sid?: string): WebhookEvent[] {
    return this.requests.filter((r) => r.status >= 200 && r.status < 300 && (sid === undefined || r.event.room.sid === sid)).map((r) => r.event);
  }

  attempts(id: string): number {
    return this.requests.filter((r) => r.event.id === id).length;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(request: IncomingMessage): Promise<number> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const received: ReceivedRequest = { event: WebhookEvent.parse(JSON.parse(raw)), raw, contentType: request.headers['content-type'], at: Date.now(), status: 0 };
    this.requests.push(received);
    if (!this.signedByUs(request, raw)) {
      this.badSignatures += 1;
      received.status = 401;
    } else {
      received.status = await this.answer(received.event, this.attempts(received.event.id));
    }
    return received.status;
  }

  /** The check docs/webhooks.md shows receivers. */
  private signedByUs(request: IncomingMessage, raw: string): boolean {
    const expected = Buffer.from(`sha256=${createHmac('sha256', this.apiSecret).update(raw).digest('hex')}`);
    const given = Buffer.from(String(request.headers[WEBHOOK_SIGNATURE_HEADER] ?? ''));
    return request.headers[WEBHOOK_KEY_HEADER] === this.apiKey && given.length === expected.length && timingSafeEqual(given, expected);
  }
}

import { createServer as createHttpServer, type IncomingMessage, type Server as HttpServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { MAX_MESSAGE_BYTES } from '@confab/protocol';
import { WebSocketServer } from 'ws';
import { LocalDirectory } from '../cluster/LocalDirectory';
import type { MediaEngine } from '../media/types';
import type { Config } from './config';
import { CloseCode } from './errors';
import type { Logger } from './logger';
import { createMetrics } from './metrics';
import { SignalConnection } from './SignalConnection';
import { createStaticHandler } from './staticFiles';

export const SIGNAL_PATH = '/rtc';

/** The whole node: HTTP (web app, health, metrics), WebSocket signaling, rooms and media. */
export class ConfabServer {
  readonly directory: LocalDirectory;
  private readonly http: HttpServer;
  private readonly wss: WebSocketServer;
  private readonly connections = new Set<SignalConnection>();
  private readonly metrics;
  private readonly serveStatic;
  private draining = false;
  private readonly heartbeat: NodeJS.Timeout;

  constructor(
    private readonly config: Config,
    private readonly media: MediaEngine,
    private readonly logger: Logger,
  ) {
    this.directory = new LocalDirectory(media, {
      maxParticipants: config.maxParticipantsPerRoom,
      iceServers: config.iceServers,
      session: {
        resumeWindowMs: config.resumeWindowMs,
        heartbeatIntervalMs: config.heartbeatIntervalMs,
        heartbeatTimeoutMs: config.heartbeatTimeoutMs,
      },
      replayBufferSize: config.replayBufferSize,
      logger,
    });
    // One timer for every connection, not one each: idle sessions must stay cheap.
    this.heartbeat = setInterval(() => {
      const now = Date.now();
      for (const connection of this.connections) connection.heartbeat(now);
    }, config.heartbeatIntervalMs);
    this.heartbeat.unref();
    this.metrics = createMetrics(this.directory, media, () => this.connections.size);
    this.serveStatic = createStaticHandler(config.webDir);
    this.wss = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE_BYTES });
    this.http = createHttpServer((req, res) => {
      this.onRequest(req, res).catch((err: unknown) => {
        logger.error({ err }, 'http handler failed');
        if (!res.headersSent) res.writeHead(500).end();
      });
    });
    this.http.on('upgrade', (req, socket, head) => {
      const { pathname } = new URL(req.url ?? '/', 'http://localhost');
      if (pathname !== SIGNAL_PATH || this.draining) {
        socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n');
        return;
      }
      this.wss.handleUpgrade(req, socket, head, (ws) => {
        const connection = new SignalConnection(ws, this.directory, config, logger);
        this.connections.add(connection);
        ws.on('close', () => this.connections.delete(connection));
      });
    });
  }

  async listen(): Promise<AddressInfo> {
    await new Promise<void>((resolve, reject) => {
      this.http.once('error', reject);
      this.http.listen(this.config.port, this.config.host, () => resolve());
    });
    const address = this.http.address() as AddressInfo;
    this.logger.info({ host: address.address, port: address.port }, 'confab listening');
    return address;
  }

  /** Tells every client to move, waits the grace period, then closes everything. */
  async shutdown(graceSeconds = this.config.shutdownGraceSeconds): Promise<void> {
    if (this.draining) return;
    this.draining = true;
    clearInterval(this.heartbeat);
    this.logger.info({ graceSeconds, connections: this.connections.size }, 'shutting down');
    for (const connection of this.connections) connection.announceShutdown(graceSeconds);
    if (graceSeconds > 0) await new Promise((r) => setTimeout(r, graceSeconds * 1000));
    for (const connection of this.connections) connection.close(CloseCode.GoingAway, 'server shutting down');
    this.wss.close();
    await new Promise<void>((resolve) => this.http.close(() => resolve()));
    this.http.closeAllConnections();
    await this.media.close();
  }

  private async onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const { pathname } = new URL(req.url ?? '/', 'http://localhost');
    if (pathname === '/healthz') {
      res.writeHead(this.draining ? 503 : 200, { 'content-type': 'text/plain' }).end(this.draining ? 'draining\n' : 'ok\n');
      return;
    }
    if (pathname === '/metrics') {
      const body = await this.metrics.registry.metrics();
      res.writeHead(200, { 'content-type': this.metrics.registry.contentType }).end(body);
      return;
    }
    if (await this.serveStatic(req, res, pathname)) return;
    res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('not found\n');
  }
}

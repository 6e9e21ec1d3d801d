import { createServer as createHttpServer, type IncomingMessage, type Server as HttpServer, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { encodeMessage, ProtocolError } from '@confab/protocol';
import { WebSocketServer, type WebSocket } from 'ws';
import { createAdminApi, type AdminApiHandler } from '../api/index';
import type { LocalDirectory } from '../cluster/LocalDirectory';
import type { RoomRouter } from '../cluster/RoomRouter';
import type { MediaEngine } from '../media/types';
import type { Config } from './config';
import { CertificateReloader } from './CertificateReloader';
import { ConnectionLimiter } from './ConnectionLimiter';
import { CloseCode, toErrorMessage } from './errors';
import type { Logger } from './logger';
import { createMetrics } from './metrics';
import { createOriginPolicy } from './originPolicy';
import type { ProcessErrorKind } from './processGuards';
import { KeepAliveFrame, ServerHeartbeat } from './serverHeartbeat';
import { SignalConnection } from './SignalConnection';
import { WebhookNotifier } from '../webhooks/WebhookNotifier';
import { createStaticHandler } from './staticFiles';
import { createHttpsRedirectServer } from './httpsRedirect';
import type { TlsMaterial } from './tlsFiles';
import { clientAddress } from './trustedProxies';

export const SIGNAL_PATH = '/rtc';
/** How long shutdown waits for clients to answer the close frame before cutting them off. */
const CLOSE_HANDSHAKE_MS = 2000;

/**
 * How often connections are checked for silence (or, when the server keeps the heartbeat, for an
 * interval without a frame from us): a lost client is noticed at most this long after
 * `heartbeatTimeoutMs`. 250 ms at the default 4 s timeout; a pass over 15,000 connections is a
 * comparison each, well under a millisecond.
 */
export function silenceCheckMs(timeoutMs: number): number {
  return Math.max(20, Math.min(250, Math.floor(timeoutMs / 16)));
}

/** The whole node: HTTP (web app, health, metrics, admin API), WebSocket signaling, rooms and media. */
export class ConfabServer {
  private readonly http: HttpServer | HttpsServer;
  /** CONFAB_HTTP_REDIRECT_PORT: plain HTTP answering with redirects to `http`. */
  private readonly redirect: HttpServer | undefined;
  private readonly certificates: CertificateReloader | undefined;
  private readonly wss: WebSocketServer;
  private readonly connections = new Set<SignalConnection>();
  private readonly metrics;
  private readonly serveStatic;
  private readonly adminApi: AdminApiHandler;
  private readonly limiter: ConnectionLimiter;
  private readonly allowsOrigin;
  private draining = false;
  /** Set once listening and the router has started (a cluster node has registered): /healthz says ok from then on. */
  private started = false;
  private readonly heartbeat: NodeJS.Timeout;
  private readonly serverHeartbeat: ServerHeartbeat | undefined;

  constructor(
    private readonly config: Config,
    private readonly media: MediaEngine,
    private readonly logger: Logger,
    /** Where participants' signaling goes: rooms on this node, or on whichever node owns them. */
    private readonly router: RoomRouter,
    /** The checked contents of config.tls (tlsFiles.ts), read before start-up went any further. */
    tls?: TlsMaterial,
  ) {
    this.limiter = new ConnectionLimiter(config.maxConnectionsPerIp);
    this.allowsOrigin = createOriginPolicy(config.allowedOrigins);
    // One timer for every connection, not one each. With CONFAB_HEARTBEAT=client nothing is sent
    // on it: liveness is the client's `ping` and our `pong`. With =server it writes a frame to each
    // connection idle for an interval, and TCP tells of a client gone (docs/protocol.md "Resume").
    this.serverHeartbeat = config.heartbeat === 'server' ? ServerHeartbeat.create(config.heartbeatIntervalMs, config.heartbeatTimeoutMs) : undefined;
    const checkMs = silenceCheckMs(config.heartbeatTimeoutMs);
    let lastCheck = Date.now();
    let skipped = false;
    this.heartbeat = setInterval(() => {
      const now = Date.now();
      // A check this late means this process itself stalled: what clients sent meanwhile is still
      // unread in their sockets (timers run before I/O), so nobody is judged silent until the next
      // check, which comes after the sockets have been read. Only one is skipped: a loop that is
      // always late still judges every other time.
      const stalled = now - lastCheck > 2 * checkMs;
      lastCheck = now;
      skipped = stalled && !skipped;
      if (skipped) return;
      // With CONFAB_HEARTBEAT=server, one `pong` of this pass's time for every connection that is due.
      const keepAlive = this.serverHeartbeat ? new KeepAliveFrame(now) : undefined;
      for (const connection of this.connections) connection.heartbeat(now, keepAlive);
    }, checkMs);
    this.heartbeat.unref();
    const events = this.directory.roomEvents;
    this.metrics = createMetrics(this.directory, media, () => this.connections.size, {
      nodeId: config.nodeId,
      cluster: router.clusterMetrics,
      ...(events instanceof WebhookNotifier ? { webhooks: events.metrics } : {}),
    });
    this.serveStatic = createStaticHandler(config.webDir);
    this.adminApi = createAdminApi({ administration: router.administration, apiKeys: config.apiKeys, logger, metrics: this.metrics });
    this.wss = new WebSocketServer({ noServer: true, maxPayload: config.maxMessageBytes });
    const handler = (req: IncomingMessage, res: ServerResponse) => {
      this.onRequest(req, res).catch((err: unknown) => {
        logger.error({ err }, 'http handler failed');
        if (!res.headersSent) res.writeHead(500).end();
      });
    };
    if (config.tls && !tls) throw new Error('ConfabServer: config.tls is set but its files were not loaded (loadTlsFiles)');
    if (config.tls && tls) {
      const https = createHttpsServer({ cert: tls.cert, key: tls.key }, handler);
      this.http = https;
      this.certificates = new CertificateReloader(config.tls, tls, (next) => https.setSecureContext({ cert: next.cert, key: next.key }), logger);
      if (config.httpRedirectPort !== undefined) {
        this.redirect = createHttpsRedirectServer(config.port, () => this.health(), config.acmeWebroot);
      }
    } else {
      this.http = createHttpServer(handler);
    }
    this.http.on('upgrade', (req, socket, head) => this.onUpgrade(req, socket, head));
  }

  /** The rooms this node hosts. */
  get directory(): LocalDirectory {
    return this.router.localRooms;
  }

  /** Reads the certificate files again (SIGHUP); a pair that does not check out is logged and not used. */
  async reloadCertificate(reason: string): Promise<void> {
    await this.certificates?.reload(reason);
  }

  async listen(): Promise<AddressInfo> {
    await new Promise<void>((resolve, reject) => {
      this.http.once('error', reject);
      this.http.listen(this.config.port, this.config.host, () => resolve());
    });
    const address = this.http.address() as AddressInfo;
    const redirect = this.redirect;
    if (redirect) {
      await new Promise<void>((resolve, reject) => {
        redirect.once('error', reject);
        redirect.listen(this.config.httpRedirectPort, this.config.host, () => resolve());
      });
      this.logger.info({ port: this.config.httpRedirectPort }, 'redirecting plain http to https');
    }
    const scheme = this.config.tls ? 'https' : 'http';
    this.logger.info({ host: address.address, port: address.port, scheme }, 'confab listening');
    await this.router.start({ scheme, port: address.port });
    this.started = true;
    return address;
  }

  /**
   * Stops taking joins and new connections at once, tells every client to move, and closes
   * everything once the router has handed its rooms over and no client is left, or when the grace
   * period ends. (One node hands nothing over: its clients stay until the grace period ends.)
   */
  async shutdown(graceSeconds = this.config.shutdownGraceSeconds): Promise<void> {
    if (this.draining) return;
    this.draining = true;
    clearInterval(this.heartbeat);
    this.certificates?.close();
    const drained = this.router.drain();
    this.logger.info({ graceSeconds, connections: this.connections.size }, 'shutting down');
    for (const connection of this.connections) connection.announceShutdown(graceSeconds);
    const graceOver = Date.now() + graceSeconds * 1000;
    const untilEmpty = async () => {
      const handedOver = await drained.catch((err: unknown) => void this.logger.error({ err }, 'draining failed'));
      while ((!handedOver || this.connections.size > 0) && Date.now() < graceOver) await new Promise((r) => setTimeout(r, 50));
    };
    if (graceSeconds > 0) await Promise.race([new Promise((r) => setTimeout(r, graceSeconds * 1000)), untilEmpty()]);
    for (const connection of this.connections) connection.close(CloseCode.GoingAway, 'server shutting down');
    // A client that never answers the close frame must not hold the process for ws's 30 s timeout.
    const deadline = Date.now() + CLOSE_HANDSHAKE_MS;
    while (this.wss.clients.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    for (const ws of this.wss.clients) ws.terminate();
    this.wss.close();
    const servers = [this.http, ...(this.redirect?.listening ? [this.redirect] : [])];
    const httpClosed = Promise.all(servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
    for (const server of servers) server.closeAllConnections();
    await httpClosed;
    await this.router.close();
    // A composite takes minutes: it is not waited for; the recording's files are whole, its webhook says why there is no composite.
    this.directory.recordings?.close();
    await this.directory.roomEvents.close();
    await this.media.close();
  }

  /** Counts an error that escaped every handler (processGuards.ts), for /metrics. */
  countProcessError(kind: ProcessErrorKind): void {
    this.metrics.processErrors.inc({ kind });
  }

  /** The HTTP half of a WebSocket handshake: path, shutdown and Origin are checked before upgrading. */
  private onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const onError = () => socket.destroy(); // the client went away mid-handshake
    socket.on('error', onError);
    const { pathname } = new URL(req.url ?? '/', 'http://localhost');
    if (pathname !== SIGNAL_PATH) return refuseUpgrade(socket, 404, 'Not Found', 'not found');
    if (this.draining) {
      this.metrics.refusedConnections.inc({ reason: 'shutting_down' });
      return refuseUpgrade(socket, 503, 'Service Unavailable', 'server is shutting down');
    }
    const origin = req.headers.origin;
    const address = clientAddress(req.socket.remoteAddress ?? 'unknown', req.headers['x-forwarded-for'], this.config.trustedProxies);
    if (!this.allowsOrigin(origin, req.headers.host)) {
      this.metrics.refusedConnections.inc({ reason: 'origin' });
      this.logger.warn({ origin, address }, 'websocket refused: origin not in CONFAB_ALLOWED_ORIGINS');
      return refuseUpgrade(socket, 403, 'Forbidden', 'origin not allowed');
    }
    socket.removeListener('error', onError);
    if (this.serverHeartbeat && !this.serverHeartbeat.apply(socket)) {
      this.logger.warn({ address }, 'could not set TCP_USER_TIMEOUT on a signaling socket: if this client vanishes, TCP will take minutes to tell');
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => this.onSocket(ws, address));
  }

  /**
   * A connection past CONFAB_MAX_CONNECTIONS_PER_IP is told why (a browser cannot read an HTTP
   * status from a failed WebSocket) and closed with 1013, try again later.
   */
  private onSocket(ws: WebSocket, address: string): void {
    const release = this.limiter.acquire(address);
    if (!release) {
      this.metrics.refusedConnections.inc({ reason: 'connections_per_ip' });
      ws.on('error', () => undefined);
      const limit = this.config.maxConnectionsPerIp;
      ws.send(encodeMessage(toErrorMessage(ProtocolError.exhausted(`too many connections from your address (limit ${limit}); close some and try again`))));
      ws.close(CloseCode.TryAgainLater, 'too many connections from this address');
      return;
    }
    const connection = new SignalConnection(ws, this.router, this.config, this.logger);
    this.connections.add(connection);
    ws.on('close', () => {
      release();
      this.connections.delete(connection);
    });
  }

  /** GET /healthz: 503 until started, while draining or cut off from the cluster, so a load balancer sends clients only to a node that can serve them. */
  private health(): { status: number; body: string } {
    if (this.draining) return { status: 503, body: 'draining\n' };
    if (!this.router.serving) return { status: 503, body: 'cut off from the cluster\n' };
    return this.started ? { status: 200, body: 'ok\n' } : { status: 503, body: 'starting\n' };
  }

  private async onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const { pathname } = new URL(req.url ?? '/', 'http://localhost');
    if (pathname === '/healthz') {
      const { status, body } = this.health();
      res.writeHead(status, { 'content-type': 'text/plain' }).end(body);
      return;
    }
    if (pathname === '/metrics') {
      const body = await this.metrics.scrape();
      res.writeHead(200, { 'content-type': this.metrics.registry.contentType }).end(body);
      return;
    }
    if (await this.adminApi(req, res, pathname)) return;
    if (await this.serveStatic(req, res, pathname)) return;
    res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('not found\n');
  }
}

/** Answers a handshake with a plain HTTP error and closes the socket once the answer is out. */
function refuseUpgrade(socket: Duplex, status: number, statusText: string, body: string): void {
  socket.once('finish', () => socket.destroy());
  socket.end(
    `HTTP/1.1 ${status} ${statusText}\r\nConnection: close\r\nContent-Type: text/plain\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}

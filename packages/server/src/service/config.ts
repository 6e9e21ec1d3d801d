import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import type { LogLevel } from '../media/workers/workerLogger';
import { dirname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MAX_CHAT_LENGTH, MAX_DISPLAY_NAME_LENGTH, MAX_MESSAGE_BYTES } from '@confab/protocol';
import { parseApiKeys, type ApiKeys } from '../access/apiKeys';
import { parseTrustedProxies, type TrustedProxies } from './trustedProxies';
import { turnUrlProblem, type TurnSettings } from './turnCredentials';

/** Every setting, read once at start-up from `CONFAB_*` environment variables (documented in the README). */
export interface Config {
  host: string;
  port: number;
  logLevel: LogLevel;
  /** The built web app served at `/`. */
  webDir: string;
  /** Media worker threads, rooms spread across them (CONFAB_MEDIA_WORKERS); 0 runs media in the main thread. */
  mediaWorkers: number;
  /** The UDP port and the ICE-TCP port of the first media worker, the next ones take the next ports (0: any free port). */
  rtcPort: number;
  rtcTcpPort: number;
  /** Addresses announced as ICE host candidates (e.g. a public IP behind 1:1 NAT). */
  publicIps: string[];
  /** ICE servers handed to clients in `joined` (JSON array of RTCIceServer). */
  iceServers: { urls: string | string[]; username?: string; credential?: string }[];
  /** coturn with use-auth-secret (CONFAB_TURN_URLS + CONFAB_TURN_SECRET): each client gets its own time-limited credentials. */
  turn: TurnSettings | undefined;
  maxParticipantsPerRoom: number;
  /** Limits and abuse (docs/reliability.md): each at most the protocol's own cap. */
  maxMessageBytes: number;
  /** Recordings go here, one folder each (CONFAB_RECORDINGS_DIR; default `recordings` in the working directory). */
  recordingsDir: string;
  /** Recordings this node runs at once (CONFAB_MAX_RECORDINGS); a start past it gets resource_exhausted. */
  maxRecordings: number;
  /** After each recording, one MP4 of the meeting made with these tools (CONFAB_COMPOSITE, CONFAB_FFMPEG, CONFAB_FFPROBE); null: off. */
  composite: { ffmpeg: string; ffprobe: string } | null;
  /** Rooms this node hosts at once; a join that would open one more gets resource_exhausted. */
  maxRooms: number;
  /** Open signaling connections per client address (IPv6: per /64); 0 turns the limit off. */
  maxConnectionsPerIp: number;
  maxNameLength: number;
  maxChatLength: number;
  /** Browser origins allowed to open /rtc besides the server's own: 'localhost' (the default), '*', or a list. */
  allowedOrigins: AllowedOrigins;
  /** Messages per second a connection may send on average, and the burst it may save up. */
  messageRate: number;
  messageBurst: number;
  /** Invalid messages tolerated per connection within a minute before it is closed as abusive. */
  maxInvalidMessagesPerMinute: number;
  /** Grace period after SIGTERM during which clients are told to move. */
  shutdownGraceSeconds: number;
  /** Clients ping this often (told in `joined`) and the server answers; a client silent for the timeout is counted lost. */
  heartbeatIntervalMs: number;
  heartbeatTimeoutMs: number;
  /**
   * Who sends the heartbeat (CONFAB_HEARTBEAT): 'client' (the SDK pings, the server answers) or
   * 'server' (the server sends a frame every interval and TCP_USER_TIMEOUT tells it of a client
   * that no longer acknowledges; the client sends nothing). 'server' needs the native core on Linux
   * and clients connected directly, or through a proxy that sets TCP_USER_TIMEOUT towards them.
   */
  heartbeat: 'client' | 'server';
  /** How long a lost participant stays (shown as reconnecting) waiting for its client to resume. */
  resumeWindowMs: number;
  /** Server messages kept per session for replay on resume, if the client has not acknowledged them. */
  replayBufferSize: number;
  /** HTTPS and WSS on `port` with these PEM files (CONFAB_TLS_CERT, CONFAB_TLS_KEY); plain HTTP without. */
  tls: { certPath: string; keyPath: string } | undefined;
  /** With TLS: plain HTTP on this port answers with a redirect to the HTTPS URL. */
  httpRedirectPort: number | undefined;
  /** On the redirect port: ACME HTTP-01 challenges served from this folder (certbot --webroot -w). */
  acmeWebroot: string | undefined;
  /** Proxies whose X-Forwarded-For names the client for per-address limits and logs (CONFAB_TRUST_PROXY). */
  trustedProxies: TrustedProxies;
  /** Cluster mode when set (CONFAB_REDIS_URL): `redis://[:password@]host:port[/db]`, shared by every node. */
  redisUrl: string | undefined;
  /** This node's name in a cluster, on every log line and metric (CONFAB_NODE_ID; default `node-` + 6 random hex digits). */
  nodeId: string;
  /** This node's own signaling base URL as other nodes and people see it (CONFAB_NODE_URL); default http(s)://<host>:<port>. */
  nodeUrl: string | undefined;
  /** Token mode when set (CONFAB_API_KEYS, or CONFAB_API_KEY + CONFAB_API_SECRET): API key → secret; undefined is open mode. */
  apiKeys: ApiKeys | undefined;
  /** Every room event is POSTed to each of these (CONFAB_WEBHOOK_URLS), signed with the first API secret. */
  webhookUrls: string[];
}

/** packages/web/dist, found from this file whether it runs from src/ or from the dist/ bundle. */
function defaultWebDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return join(dir, '..', 'web', 'dist');
}

/**
 * Settings of the step-1 werift media engine, retired: a deployment that still sets them (a port
 * range its firewall was opened for, say) learns at start-up what replaced them, rather than
 * running with them silently ignored. CONFAB_MEDIA_ENGINE=sfu names what is now the only engine.
 */
function retiredSettings(env: NodeJS.ProcessEnv): void {
  if (env.CONFAB_MEDIA_ENGINE !== undefined && env.CONFAB_MEDIA_ENGINE !== 'sfu') {
    throw new ConfigError(`CONFAB_MEDIA_ENGINE=${env.CONFAB_MEDIA_ENGINE}: the werift engine was retired; sfu is the only media engine (unset CONFAB_MEDIA_ENGINE)`);
  }
  for (const key of ['CONFAB_RTC_MIN_PORT', 'CONFAB_RTC_MAX_PORT'] as const) {
    if (env[key] !== undefined) {
      throw new ConfigError(`${key} went with the werift engine: media uses one UDP port per media worker from CONFAB_RTC_PORT (and ICE-TCP from CONFAB_RTC_TCP_PORT)`);
    }
  }
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const config = readConfig(env);
  if (config.heartbeatTimeoutMs <= config.heartbeatIntervalMs) {
    throw new ConfigError('CONFAB_HEARTBEAT_TIMEOUT_MS must be longer than CONFAB_HEARTBEAT_INTERVAL_MS');
  }
  return config;
}

function readConfig(env: NodeJS.ProcessEnv): Config {
  retiredSettings(env);
  // One media worker per core: each room's media runs on one, and the cores share the rooms.
  const mediaWorkers = int(env, 'CONFAB_MEDIA_WORKERS', availableParallelism(), 0, 256);
  const rtcPort = int(env, 'CONFAB_RTC_PORT', 0, 0, 65535);
  const rtcTcpPort = int(env, 'CONFAB_RTC_TCP_PORT', 0, 0, 65535);
  // sfu: media worker i listens on the base port + i.
  for (const [key, base] of [['CONFAB_RTC_PORT', rtcPort], ['CONFAB_RTC_TCP_PORT', rtcTcpPort]] as const) {
    if (base > 0 && base + Math.max(1, mediaWorkers) - 1 > 65535) throw new ConfigError(`${key} + CONFAB_MEDIA_WORKERS - 1 must be at most 65535`);
  }
  return {
    host: env.CONFAB_HOST ?? '0.0.0.0',
    port: int(env, 'CONFAB_PORT', 8080, 0, 65535),
    logLevel: oneOf(env, 'CONFAB_LOG_LEVEL', ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'], 'info'),
    webDir: env.CONFAB_WEB_DIR ?? defaultWebDir(),
    mediaWorkers,
    rtcPort,
    rtcTcpPort,
    publicIps: list(env.CONFAB_PUBLIC_IP),
    iceServers: iceServers(env.CONFAB_ICE_SERVERS),
    turn: turnSettings(env),
    maxParticipantsPerRoom: int(env, 'CONFAB_MAX_PARTICIPANTS_PER_ROOM', 100, 1, 10_000),
    maxMessageBytes: int(env, 'CONFAB_MAX_MESSAGE_BYTES', MAX_MESSAGE_BYTES, 16 * 1024, MAX_MESSAGE_BYTES),
    maxRooms: int(env, 'CONFAB_MAX_ROOMS', 1000, 1, 1_000_000),
    ...recordingSettings(env),
    maxConnectionsPerIp: int(env, 'CONFAB_MAX_CONNECTIONS_PER_IP', 100, 0, 1_000_000),
    maxNameLength: int(env, 'CONFAB_MAX_NAME_LENGTH', MAX_DISPLAY_NAME_LENGTH, 1, MAX_DISPLAY_NAME_LENGTH),
    maxChatLength: int(env, 'CONFAB_MAX_CHAT_LENGTH', MAX_CHAT_LENGTH, 1, MAX_CHAT_LENGTH),
    allowedOrigins: allowedOrigins(env.CONFAB_ALLOWED_ORIGINS),
    messageRate: int(env, 'CONFAB_MESSAGE_RATE', 50, 1, 100_000),
    messageBurst: int(env, 'CONFAB_MESSAGE_BURST', 200, 1, 1_000_000),
    maxInvalidMessagesPerMinute: int(env, 'CONFAB_MAX_INVALID_MESSAGES', 30, 1, 1_000_000),
    shutdownGraceSeconds: int(env, 'CONFAB_SHUTDOWN_GRACE_SECONDS', 5, 0, 3600),
    heartbeatIntervalMs: int(env, 'CONFAB_HEARTBEAT_INTERVAL_MS', 2000, 100, 60_000),
    heartbeatTimeoutMs: int(env, 'CONFAB_HEARTBEAT_TIMEOUT_MS', 4000, 300, 600_000),
    heartbeat: oneOf(env, 'CONFAB_HEARTBEAT', ['client', 'server'] as const, 'client'),
    resumeWindowMs: int(env, 'CONFAB_RESUME_WINDOW_SECONDS', 15, 0, 3600) * 1000,
    replayBufferSize: int(env, 'CONFAB_REPLAY_BUFFER_MESSAGES', 1000, 10, 1_000_000),
    ...tlsSettings(env),
    ...clusterSettings(env),
    ...accessSettings(env),
  };
}

/** Recordings never go under the web root: it would serve them to anyone. */
function recordingSettings(env: NodeJS.ProcessEnv): Pick<Config, 'recordingsDir' | 'maxRecordings' | 'composite'> {
  const recordingsDir = resolve(env.CONFAB_RECORDINGS_DIR || 'recordings');
  const webDir = resolve(env.CONFAB_WEB_DIR ?? defaultWebDir());
  const inside = (child: string, parent: string) => child === parent || child.startsWith(parent + sep);
  if (inside(recordingsDir, webDir) || inside(webDir, recordingsDir)) {
    throw new ConfigError(`CONFAB_RECORDINGS_DIR (${recordingsDir}) must not be in or around the web root (${webDir}): the files would be served to anyone`);
  }
  const compositeSetting = env.CONFAB_COMPOSITE || 'on';
  if (compositeSetting !== 'on' && compositeSetting !== 'off') throw new ConfigError(`CONFAB_COMPOSITE must be on or off, got "${compositeSetting}"`);
  const composite = compositeSetting === 'on' ? { ffmpeg: env.CONFAB_FFMPEG || 'ffmpeg', ffprobe: env.CONFAB_FFPROBE || 'ffprobe' } : null;
  return { recordingsDir, maxRecordings: int(env, 'CONFAB_MAX_RECORDINGS', 20, 0, 10_000), composite };
}

/** Node ids go into Redis keys, channel names, log lines and metric labels: keep them plain. */
const NODE_ID = /^[A-Za-z0-9_.-]{1,64}$/;

function clusterSettings(env: NodeJS.ProcessEnv): Pick<Config, 'redisUrl' | 'nodeId' | 'nodeUrl'> {
  const redisUrl = env.CONFAB_REDIS_URL || undefined;
  if (redisUrl !== undefined) {
    const url = URL.canParse(redisUrl) ? new URL(redisUrl) : undefined;
    const db = url?.pathname.replace(/^\//, '') ?? '';
    if (!url || (url.protocol !== 'redis:' && url.protocol !== 'rediss:') || !url.hostname || !/^\d{0,2}$/.test(db) || url.search || url.hash) {
      throw new ConfigError(`CONFAB_REDIS_URL must look like redis://[:password@]host:port[/db], got "${redactPassword(redisUrl)}"`);
    }
  }
  const nodeId = env.CONFAB_NODE_ID || `node-${randomBytes(3).toString('hex')}`;
  if (!NODE_ID.test(nodeId)) {
    throw new ConfigError(`CONFAB_NODE_ID must be 1-64 letters, digits, "-", "_" or ".", got "${nodeId.slice(0, 80)}"`);
  }
  const nodeUrl = env.CONFAB_NODE_URL || undefined;
  if (nodeUrl !== undefined) {
    const url = URL.canParse(nodeUrl) ? new URL(nodeUrl) : undefined;
    if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:') || url.search || url.hash || url.username) {
      throw new ConfigError(`CONFAB_NODE_URL must be this node's http(s):// base URL, e.g. https://node1.example.com:8443, got "${nodeUrl}"`);
    }
  }
  return { redisUrl, nodeId, nodeUrl: nodeUrl?.replace(/\/+$/, '') };
}

function accessSettings(env: NodeJS.ProcessEnv): Pick<Config, 'apiKeys' | 'webhookUrls'> {
  let apiKeys: ApiKeys | undefined;
  try {
    apiKeys = parseApiKeys(env);
  } catch (error) {
    throw new ConfigError((error as Error).message);
  }
  const webhookUrls = list(env.CONFAB_WEBHOOK_URLS);
  for (const entry of webhookUrls) {
    const url = URL.canParse(entry) ? new URL(entry) : undefined;
    // fetch refuses URLs with credentials in them; and the password is not printed.
    if (url?.username || url?.password) throw new ConfigError(`CONFAB_WEBHOOK_URLS: ${url.host} must not carry a user or password (sign-in is the signature)`);
    if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:') || url.hash) {
      throw new ConfigError(`CONFAB_WEBHOOK_URLS: "${entry}" is not an http(s):// URL like https://app.example.com/confab-webhook`);
    }
  }
  if (webhookUrls.length > 0 && apiKeys === undefined) {
    throw new ConfigError('CONFAB_WEBHOOK_URLS needs an API key to sign with: set CONFAB_API_KEYS (or CONFAB_API_KEY and CONFAB_API_SECRET) too');
  }
  return { apiKeys, webhookUrls };
}

/** A Redis URL fit for a log line or an error: the password replaced by `***`. */
export function redactPassword(redisUrl: string): string {
  return redisUrl.replace(/^(rediss?:\/\/)([^@/]*)@/, (_, scheme: string, auth: string) => `${scheme}${auth.includes(':') ? `${auth.split(':')[0]}:***` : '***'}@`);
}

function tlsSettings(env: NodeJS.ProcessEnv): Pick<Config, 'tls' | 'httpRedirectPort' | 'acmeWebroot' | 'trustedProxies'> {
  const certPath = env.CONFAB_TLS_CERT || undefined;
  const keyPath = env.CONFAB_TLS_KEY || undefined;
  if ((certPath === undefined) !== (keyPath === undefined)) {
    throw new ConfigError('CONFAB_TLS_CERT and CONFAB_TLS_KEY must be set together');
  }
  const httpRedirectPort = optionalInt(env, 'CONFAB_HTTP_REDIRECT_PORT', 1, 65535);
  if (httpRedirectPort !== undefined && certPath === undefined) {
    throw new ConfigError('CONFAB_HTTP_REDIRECT_PORT redirects to HTTPS: set CONFAB_TLS_CERT and CONFAB_TLS_KEY too');
  }
  if (httpRedirectPort !== undefined && String(httpRedirectPort) === env.CONFAB_PORT) {
    throw new ConfigError('CONFAB_HTTP_REDIRECT_PORT must differ from CONFAB_PORT');
  }
  const acmeWebroot = env.CONFAB_ACME_WEBROOT || undefined;
  if (acmeWebroot !== undefined && httpRedirectPort === undefined) {
    throw new ConfigError('CONFAB_ACME_WEBROOT is served on CONFAB_HTTP_REDIRECT_PORT: set that too (80 for Let\'s Encrypt)');
  }
  let trustedProxies: TrustedProxies;
  try {
    trustedProxies = parseTrustedProxies(env.CONFAB_TRUST_PROXY);
  } catch (error) {
    throw new ConfigError((error as Error).message);
  }
  return { tls: certPath && keyPath ? { certPath, keyPath } : undefined, httpRedirectPort, acmeWebroot, trustedProxies };
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

function int(env: NodeJS.ProcessEnv, key: string, fallback: number, min: number, max: number): number {
  return optionalInt(env, key, min, max) ?? fallback;
}

function optionalInt(env: NodeJS.ProcessEnv, key: string, min: number, max: number): number | undefined {
  const raw = env[key];
  if (raw === undefined || raw === '') return undefined;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(`${key} must be an integer from ${min} to ${max}, got "${raw}"`);
  }
  return value;
}

function oneOf<T extends string>(env: NodeJS.ProcessEnv, key: string, values: readonly T[], fallback: T): T {
  const raw = env[key];
  if (raw === undefined || raw === '') return fallback;
  if (!(values as readonly string[]).includes(raw)) throw new ConfigError(`${key} must be one of ${values.join(', ')}`);
  return raw as T;
}

function list(raw: string | undefined): string[] {
  return (raw ?? '').split(',').map((s) => s.trim()).filter((s) => s.length > 0);
}

/** 'localhost': any localhost origin; '*': every origin; otherwise exact origins like https://meet.example.com. */
export type AllowedOrigins = 'localhost' | '*' | string[];

function allowedOrigins(raw: string | undefined): AllowedOrigins {
  const entries = list(raw);
  if (entries.length === 0) return 'localhost';
  if (entries.includes('*')) return '*';
  return entries.map((entry) => {
    const url = URL.canParse(entry) ? new URL(entry) : undefined;
    const bare = url && (url.protocol === 'http:' || url.protocol === 'https:') && url.pathname === '/' && !url.search && !url.hash && !url.username;
    if (!bare) {
      throw new ConfigError(`CONFAB_ALLOWED_ORIGINS: "${entry}" is not an origin like https://meet.example.com (scheme, host, optional port, no path), nor "*"`);
    }
    return url.origin;
  });
}

/** Default lifetime of minted TURN credentials: 6 h, like coturn's and LiveKit's examples. */
export const DEFAULT_TURN_TTL_SECONDS = 21_600;

function turnSettings(env: NodeJS.ProcessEnv): TurnSettings | undefined {
  const urls = list(env.CONFAB_TURN_URLS);
  const secret = env.CONFAB_TURN_SECRET ?? '';
  // Read (and checked) even without TURN, so a typo does not wait for the day TURN is turned on.
  const ttlSeconds = int(env, 'CONFAB_TURN_TTL_SECONDS', DEFAULT_TURN_TTL_SECONDS, 10, 30 * 86_400);
  if (urls.length === 0 && secret === '') return undefined;
  if (urls.length === 0) throw new ConfigError('CONFAB_TURN_SECRET is set but CONFAB_TURN_URLS is not: set both (or neither)');
  if (secret === '') throw new ConfigError('CONFAB_TURN_URLS is set but CONFAB_TURN_SECRET is not: set both (or neither) to coturn\'s static-auth-secret');
  for (const url of urls) {
    const problem = turnUrlProblem(url);
    if (problem) throw new ConfigError(`CONFAB_TURN_URLS: "${url}" is ${problem.startsWith('not ') ? problem : `not valid: ${problem}`}`);
  }
  return { urls, secret, ttlSeconds };
}

function iceServers(raw: string | undefined): Config['iceServers'] {
  if (!raw) return [];
  try {
    const parsed: unknown = JSON.parse(raw);
    if (Array.isArray(parsed) && parsed.every((s) => typeof s === 'object' && s !== null && 'urls' in s)) {
      return parsed as Config['iceServers'];
    }
  } catch {
    // fall through to the error below
  }
  throw new ConfigError('CONFAB_ICE_SERVERS must be a JSON array of {urls, username?, credential?}');
}

/**
 * Hostile signaling clients for e2e/hostile.test.ts: plain `ws` sockets that send whatever bytes
 * they are given and record everything the server answers. Each can connect from its own loopback
 * address (127.0.0.0/8 is all loopback on Linux), so attackers are counted apart from the call.
 */
import { decodeServerMessage, type ServerMessage } from '@confab/protocol';
import { connect, type Socket } from 'node:net';
import WebSocket from 'ws';

export class Attacker {
  readonly replies: ServerMessage[] = [];
  /** Frames from the server that failed the protocol schema: must stay empty. */
  readonly invalidReplies: string[] = [];
  closeCode: number | undefined;
  readonly closed: Promise<number>;
  sent = 0;

  private constructor(private readonly ws: WebSocket) {
    ws.on('message', (data) => {
      const decoded = decodeServerMessage(String(data));
      if (decoded.ok) this.replies.push(decoded.message);
      else this.invalidReplies.push(String(data).slice(0, 200));
    });
    ws.on('error', () => undefined); // a socket the server cut off may error; the close code tells
    this.closed = new Promise((resolve) => ws.on('close', (code) => resolve((this.closeCode = code))));
  }

  static async open(url: string, localAddress: string, timeoutMs = 20_000): Promise<Attacker> {
    const ws = new WebSocket(url, { localAddress, handshakeTimeout: timeoutMs });
    const attacker = new Attacker(ws); // listening before the handshake completes
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    return attacker;
  }

  get open(): boolean {
    return this.ws.readyState === WebSocket.OPEN;
  }

  send(frame: string | Buffer): void {
    if (!this.open) return;
    this.ws.send(frame);
    this.sent++;
  }

  errors(code?: string): Extract<ServerMessage, { type: 'error' }>[] {
    return this.replies.filter((m): m is Extract<ServerMessage, { type: 'error' }> => m.type === 'error' && (code === undefined || m.code === code));
  }

  /** Waits until `done()` holds or the socket has closed, at most `timeoutMs`. */
  async until(done: () => boolean, timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!done() && this.closeCode === undefined && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  }

  close(): void {
    this.ws.close();
  }

  terminate(): void {
    this.ws.terminate();
  }
}

/** A raw TCP connection to the server that never sends a byte. */
export function silentSocket(port: number, localAddress: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, localAddress }, () => resolve(socket));
    socket.once('error', reject);
  });
}

/** What a group of attackers got back: replies by type (errors by code) and close codes. */
export class Tally {
  sent = 0;
  readonly replies = new Map<string, number>();
  readonly closes = new Map<string, number>();
  readonly invalidReplies: string[] = [];

  /** `frames`: how many of the attacker's frames were attacks (default: all it sent). */
  add(attacker: Attacker, frames = attacker.sent): void {
    this.sent += frames;
    for (const m of attacker.replies) bump(this.replies, m.type === 'error' ? `error:${m.code}` : m.type);
    bump(this.closes, String(attacker.closeCode ?? 'open'));
    this.invalidReplies.push(...attacker.invalidReplies);
  }

  count(key: string): number {
    return this.replies.get(key) ?? 0;
  }

  toString(): string {
    return `sent=${this.sent} replies=${JSON.stringify(Object.fromEntries(this.replies))} closes=${JSON.stringify(Object.fromEntries(this.closes))}`;
  }
}

function bump(map: Map<string, number>, key: string): void {
  map.set(key, (map.get(key) ?? 0) + 1);
}

/** Sends `batch` (after `joinFrame`, if given), then a ping, and waits for the pong or a close. */
export async function answeredBatch(url: string, from: string, tally: Tally, batch: string[], joinFrame?: string): Promise<void> {
  const attacker = await Attacker.open(url, from);
  if (joinFrame !== undefined) {
    attacker.send(joinFrame);
    await attacker.until(() => attacker.replies.some((m) => m.type === 'joined' || m.type === 'error'));
  }
  for (const frame of batch) attacker.send(frame);
  attacker.send('{"type":"ping","id":424242}');
  await attacker.until(() => attacker.replies.some((m) => m.type === 'pong' && m.id === 424242));
  tally.add(attacker, batch.length);
  attacker.close();
}

/** Runs `fn` over `items`, at most `concurrency` at a time. */
export async function inPool<T>(items: readonly T[], concurrency: number, fn: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < items.length; i = next++) await fn(items[i]!, i);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
}

/** A small seeded PRNG (mulberry32): the same seed throws the same bytes, so a failure can be replayed. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A valid frame cut short: never valid JSON, since the outer object is left open. */
export function truncate(frame: string, random: () => number): string {
  return frame.slice(0, Math.floor(random() * (frame.length - 1)));
}

/**
 * A valid frame with 1-3 bytes XORed with random 7-bit values: stays ASCII, hence valid UTF-8, so
 * each frame reaches JSON and schema validation instead of being cut off by the UTF-8 check.
 */
export function mutate(frame: string, random: () => number): string {
  const bytes = Buffer.from(frame, 'latin1');
  const flips = 1 + Math.floor(random() * 3);
  for (let i = 0; i < flips; i++) {
    const at = Math.floor(random() * bytes.length);
    const flipped = bytes[at]! ^ (1 + Math.floor(random() * 127));
    bytes[at] = flipped === 0 ? 0x20 : flipped;
  }
  return bytes.toString('latin1');
}

const SDP = [
  'v=0', 'o=- 4611731400430051336 2 IN IP4 127.0.0.1', 's=-', 't=0 0', 'a=group:BUNDLE 0', 'a=msid-semantic: WMS',
  'm=video 9 UDP/TLS/RTP/SAVPF 96', 'c=IN IP4 0.0.0.0', 'a=rtcp:9 IN IP4 0.0.0.0', 'a=ice-ufrag:abcd', 'a=ice-pwd:abcdefghijklmnopqrstuvwx',
  'a=fingerprint:sha-256 7B:8B:F0:65:5F:78:E2:51:3B:AC:6F:F3:3F:46:1B:35:DC:B8:5F:64:1A:24:C2:43:F0:A1:58:D0:A1:2C:19:08',
  'a=setup:actpass', 'a=mid:0', 'a=sendonly', 'a=rtcp-mux', 'a=rtpmap:96 VP8/90000', 'a=ssrc:1001 cname:mallory', '',
].join('\r\n');

/** Valid client messages in every shape the protocol has; the raw material for truncation and mutation. */
export function validFrames(room: string): string[] {
  return [
    { type: 'join', id: 1, v: 1, room, name: 'Mallory' },
    { type: 'ping', id: 2 },
    { type: 'status', id: 3, status: 'away' },
    { type: 'chat', id: 4, text: 'hello <b>there</b>' },
    { type: 'publish', id: 5, source: 'camera', mid: '0', muted: false },
    { type: 'mute', id: 6, source: 'microphone', muted: true },
    { type: 'unpublish', id: 7, source: 'screen' },
    { type: 'candidate', target: 'publisher', candidate: { candidate: 'candidate:1 1 udp 2122260223 127.0.0.1 50000 typ host', sdpMid: '0', sdpMLineIndex: 0 } },
    { type: 'offer', id: 8, target: 'publisher', sdp: SDP },
    { type: 'answer', id: 9, target: 'subscriber', sdp: SDP },
    { type: 'leave', id: 10 },
  ].map((m) => JSON.stringify(m));
}

/** Hand-made frames that are wrong in one way each; every one must be answered with invalid_argument. */
export const MALFORMED: readonly string[] = [
  '', ' ', 'null', 'true', '0', '"join"', '[]', '{}', '[{"type":"ping"}]', '{"type":null}', '{"type":1}', '{"type":"PING"}',
  '{"type":"ping","id":-1}', '{"type":"ping","id":1.5}', '{"type":"ping","id":"1"}', '{"type":"ping","id":1e400}',
  '{"type":"join"}', '{"type":"join","v":"1","room":"r","name":"M"}', '{"type":"join","v":1,"room":"no spaces","name":"M"}',
  '{"type":"join","v":1,"room":"r","name":""}', '{"type":"join","v":1,"room":"r","name":"\\u0007bell"}',
  `{"type":"join","v":1,"room":"${'r'.repeat(65)}","name":"M"}`, '{"type":"chat","text":""}', '{"type":"chat","text":42}',
  `{"type":"chat","text":"${'x'.repeat(2001)}"}`, '{"type":"publish","source":"webcam","mid":"0"}', '{"type":"offer","target":"subscriber","sdp":"v=0"}',
  '{"type":"candidate","target":"publisher"}', `{"type":"candidate","target":"publisher","candidate":{"candidate":"${'c'.repeat(2000)}"}}`,
  '{"type":"status","status":"invisible"}', '{"type":"ping"', '{"type":"ping"}}', "{'type':'ping'}", '{"type":"ping",}', 'NaN',
  '\u0000', '{"type":"\ud83d\ude00"}', `${'['.repeat(5000)}${']'.repeat(5000)}`, `{"type":${'{"a":'.repeat(3000)}1${'}'.repeat(3000)}}`,
];

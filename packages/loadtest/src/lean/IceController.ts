import { randomBytes } from 'node:crypto';
import { buildStun, HmacSha1Key, parseStun, shortTermKey, StunClass, verifyStunIntegrity } from '@confab/wire';

/** Checks until the first answer: 50 ms apart, as RFC 8445 paces them, for up to 10 s. */
const CHECK_INTERVAL_MS = 50;
const CHECK_ATTEMPTS = 200;
/** Consent freshness (RFC 7675): a check every 2.5 s keeps the server's consent timer from expiring. */
const CONSENT_INTERVAL_MS = 2500;
/** Our candidate's priority as a host candidate (type preference 126), sent in PRIORITY. */
const HOST_PRIORITY = 2_130_706_431;

export interface IceControllerOptions {
  serverUfrag: string;
  serverPassword: string;
  localUfrag: string;
  send(buf: Buffer): void;
}

/**
 * ICE as the controlling agent against the server's ICE-lite: one candidate pair (our socket and
 * the server's UDP host candidate), nominated at once (Binding with USE-CANDIDATE,
 * MESSAGE-INTEGRITY and FINGERPRINT), then consent checks on the same pair.
 */
export class IceController {
  private readonly tieBreaker = randomBytes(8).readBigUInt64BE();
  /** MESSAGE-INTEGRITY's key, its pads hashed once: each check signs one HMAC and verifies the answer's. */
  private readonly key: HmacSha1Key;
  private readonly pending = new Set<string>();
  private timer: NodeJS.Timeout | null = null;
  private connected = false;
  private resolveConnected: (() => void) | null = null;

  constructor(private readonly options: IceControllerOptions) {
    this.key = new HmacSha1Key(shortTermKey(options.serverPassword));
  }

  /** Resolves once the server answered a nominating check; rejects after the attempts run out. */
  connect(): Promise<void> {
    return new Promise((resolve, reject) => {
      let attempts = 0;
      this.resolveConnected = resolve;
      const check = () => {
        if (this.connected) return;
        if (++attempts > CHECK_ATTEMPTS) {
          this.stop();
          reject(new Error(`ICE: no answer to ${CHECK_ATTEMPTS} checks`));
          return;
        }
        this.check();
        this.timer = setTimeout(check, CHECK_INTERVAL_MS);
      };
      check();
    });
  }

  /** A STUN message from the server (a response to one of our checks). */
  receive(buf: Buffer): void {
    const msg = parseStun(buf);
    if (msg === null || msg.messageClass !== StunClass.SuccessResponse) return;
    const id = Buffer.from(msg.transactionId).toString('hex');
    if (!this.pending.delete(id) || !verifyStunIntegrity(buf, msg, this.key)) return;
    if (this.connected) return;
    this.connected = true;
    this.pending.clear();
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = setInterval(() => this.check(), CONSENT_INTERVAL_MS);
    this.timer.unref();
    this.resolveConnected?.();
  }

  stop(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }

  private check(): void {
    const transactionId = randomBytes(12);
    // Only recent transactions are answered in time; the set stays small.
    if (this.pending.size > 16) this.pending.clear();
    this.pending.add(transactionId.toString('hex'));
    this.options.send(
      buildStun({
        messageClass: StunClass.Request,
        transactionId,
        username: `${this.options.serverUfrag}:${this.options.localUfrag}`,
        priority: HOST_PRIORITY,
        useCandidate: true,
        iceControlling: this.tieBreaker,
        integrityKey: this.key,
        fingerprint: true,
      }),
    );
  }
}

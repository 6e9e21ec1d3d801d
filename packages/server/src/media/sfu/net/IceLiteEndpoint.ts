import {
  buildStun,
  HmacSha1Key,
  shortTermKey,
  StunClass,
  StunErrorCode,
  verifyStunFingerprint,
  verifyStunIntegrity,
  type StunMessage,
} from '@confab/wire';
import { randomIceCredentials, type IceCredentials } from './iceCredentials';
import type { IcePath, PacketReceiver, StunRequestHandler } from './IcePath';
import type { IceRegistry } from './IceRegistry';

export interface IceLiteEndpointOptions {
  registry: IceRegistry;
  /** Registered under our ufrag(s) and attached to every validated path. */
  owner: StunRequestHandler & PacketReceiver;
  /** No valid check for this long (from creation, then from the last one) ends consent. */
  consentTimeoutMs: number;
  /** Validated paths kept at once; the least recently checked non-selected one goes first. Default 8. */
  maxPaths?: number;
  /** The nominated path changed (null: the selected TCP connection ended and no other is valid). */
  onSelectedPath(path: IcePath | null): void;
  onConsentExpired(): void;
  /** A check with the credentials of the last restart arrived; the old ones are forgotten. */
  onRestartCompleted(): void;
}

interface Generation {
  local: IceCredentials;
  /** MESSAGE-INTEGRITY's key, its pads hashed once: each check verifies one HMAC and signs another. */
  key: HmacSha1Key;
  /** Null until the remote description arrives; checks can come first (we offered). */
  remoteUfrag: string | null;
}

/**
 * ICE-lite (RFC 8445 2.5) for one transport: answers the peer's connectivity checks, never sends
 * its own, and takes the role of controlled agent. A valid check (FINGERPRINT, USERNAME
 * "ours:theirs", MESSAGE-INTEGRITY with our password) attaches its path; the first one is used
 * until the peer nominates one with USE-CANDIDATE (a later nomination of another path switches
 * to that one). Consent (RFC 7675) seen from the lite side: the peer's checks keep coming, or
 * after `consentTimeoutMs` the endpoint gives up.
 */
export class IceLiteEndpoint {
  private current: Generation;
  private previous: Generation | null = null;
  private readonly paths: IcePath[] = [];
  private selectedPath: IcePath | null = null;
  private lastValidCheckAt = performance.now();
  private consentTimer: NodeJS.Timeout | null = null;
  private closed = false;
  private readonly maxPaths: number;
  /** Counters for logs and tests. */
  readonly stats = { validChecks: 0, rejectedChecks: 0, ignoredChecks: 0 };

  constructor(private readonly options: IceLiteEndpointOptions) {
    this.maxPaths = options.maxPaths ?? 8;
    this.current = this.newGeneration(null);
    this.armConsentTimer(options.consentTimeoutMs);
  }

  get localCredentials(): IceCredentials {
    return this.current.local;
  }

  get selected(): IcePath | null {
    return this.selectedPath;
  }

  get validatedPaths(): readonly IcePath[] {
    return this.paths;
  }

  /** The remote ufrag of the current generation, once the remote description gives it. */
  setRemoteUfrag(ufrag: string): void {
    this.current.remoteUfrag = ufrag;
  }

  /**
   * ICE restart: new local credentials (returned, for the answer). The old ones stay valid, and the
   * selected path stays in use, until a check with the new ones arrives.
   */
  restart(remoteUfrag: string | null): IceCredentials {
    if (this.closed) throw new Error('ICE endpoint is closed');
    if (this.previous !== null) {
      this.options.registry.unregister(this.previous.local.usernameFragment, this.options.owner);
    }
    this.previous = this.current;
    this.current = this.newGeneration(remoteUfrag);
    return this.current.local;
  }

  handleStunRequest(buf: Buffer, msg: StunMessage, path: IcePath): void {
    if (this.closed) return;
    // RFC 8489 7.3: a message whose FINGERPRINT is missing or wrong is not STUN; drop it silently.
    if (!verifyStunFingerprint(buf, msg)) {
      this.stats.ignoredChecks++;
      return;
    }
    const [localUfrag, remoteUfrag] = splitUsername(msg.username ?? '');
    const generation =
      localUfrag === this.current.local.usernameFragment
        ? this.current
        : localUfrag === this.previous?.local.usernameFragment
          ? this.previous
          : null;
    if (generation === null || msg.integrityOffset < 0) {
      this.reject(path, msg, StunErrorCode.BadRequest, 'Bad Request', null);
      return;
    }
    const knownRemote = generation.remoteUfrag;
    if (!verifyStunIntegrity(buf, msg, generation.key) || (knownRemote !== null && knownRemote !== remoteUfrag)) {
      this.reject(path, msg, StunErrorCode.Unauthorized, 'Unauthorized', null);
      return;
    }
    if (msg.unknownRequired !== undefined) {
      this.reject(path, msg, StunErrorCode.UnknownAttribute, 'Unknown Attribute', generation, msg.unknownRequired);
      return;
    }
    // A lite agent is always controlled; a peer that also thinks it's controlled must switch (RFC 8445 7.3.1.1).
    if (msg.iceControlled !== undefined) {
      this.reject(path, msg, StunErrorCode.RoleConflict, 'Role Conflict', generation);
      return;
    }

    const response = buildStun({
      messageClass: StunClass.SuccessResponse,
      transactionId: msg.transactionId,
      xorMappedAddress: { address: path.remoteAddress, port: path.remotePort },
      integrityKey: generation.key,
      fingerprint: true,
    });
    path.send(response, response.length);
    this.stats.validChecks++;
    this.lastValidCheckAt = performance.now();
    this.remember(path);
    if (generation === this.current && this.previous !== null) {
      this.options.registry.unregister(this.previous.local.usernameFragment, this.options.owner);
      this.previous = null;
      this.options.onRestartCompleted();
    }
    // Until the peer nominates, its first valid path carries our packets: Chromium starts DTLS
    // (and media) on the pair it picked before the check with USE-CANDIDATE arrives.
    if ((msg.useCandidate || this.selectedPath === null) && this.selectedPath !== path) {
      this.selectedPath = path;
      this.options.onSelectedPath(path);
    }
  }

  /** The path's connection ended (TCP) or another transport took its address (UDP). */
  pathClosed(path: IcePath): void {
    const index = this.paths.indexOf(path);
    if (index >= 0) this.paths.splice(index, 1);
    if (this.selectedPath === path && !this.closed) {
      // Fall back to the most recently checked path still valid, if any.
      this.selectedPath = this.paths.at(-1) ?? null;
      this.options.onSelectedPath(this.selectedPath);
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.consentTimer !== null) clearTimeout(this.consentTimer);
    const { registry, owner } = this.options;
    registry.unregister(this.current.local.usernameFragment, owner);
    if (this.previous !== null) registry.unregister(this.previous.local.usernameFragment, owner);
    for (const path of this.paths.splice(0)) path.detach();
    this.selectedPath = null;
  }

  private newGeneration(remoteUfrag: string | null): Generation {
    let local = randomIceCredentials();
    while (this.options.registry.has(local.usernameFragment)) local = randomIceCredentials();
    this.options.registry.register(local.usernameFragment, this.options.owner);
    return { local, key: new HmacSha1Key(shortTermKey(local.password)), remoteUfrag };
  }

  /** Keeps `path` as the most recently checked; evicts the oldest unselected beyond `maxPaths`. */
  private remember(path: IcePath): void {
    const index = this.paths.indexOf(path);
    if (index >= 0) {
      this.paths.splice(index, 1);
    } else {
      path.attach(this.options.owner);
      if (this.paths.length >= this.maxPaths) {
        const evict = this.paths.findIndex((p) => p !== this.selectedPath);
        if (evict >= 0) this.paths.splice(evict, 1)[0]!.detach();
      }
    }
    this.paths.push(path);
  }

  private reject(
    path: IcePath,
    msg: StunMessage,
    code: number,
    reason: string,
    generation: Generation | null,
    unknownAttributes?: number[],
  ): void {
    this.stats.rejectedChecks++;
    const response = buildStun({
      messageClass: StunClass.ErrorResponse,
      transactionId: msg.transactionId,
      errorCode: { code, reason },
      unknownAttributes,
      // Only an authenticated request gets an authenticated error (RFC 8489 9.1.3).
      integrityKey: generation?.key,
      fingerprint: true,
    });
    path.send(response, response.length);
  }

  private armConsentTimer(delayMs: number): void {
    this.consentTimer = setTimeout(() => {
      if (this.closed) return;
      const quiet = performance.now() - this.lastValidCheckAt;
      const timeout = this.options.consentTimeoutMs;
      if (quiet >= timeout) this.options.onConsentExpired();
      else this.armConsentTimer(timeout - quiet);
    }, delayMs);
    this.consentTimer.unref();
  }
}

function splitUsername(username: string): [string, string] {
  const colon = username.indexOf(':');
  return colon < 0 ? [username, ''] : [username.slice(0, colon), username.slice(colon + 1)];
}

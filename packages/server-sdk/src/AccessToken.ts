import { randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import { AccessClaims, type AccessGrants } from '@confab/protocol';
import { ttlSeconds } from './ttl';

export const DEFAULT_TOKEN_TTL = '6h';

export interface AccessTokenOptions {
  /** Who the holder is (your app's user id): one seat per identity per room. */
  identity: string;
  /** Shown to the others in the room. */
  name?: string;
  /** Opaque to Confab: handed to the other participants and to webhooks as it is. */
  metadata?: string;
  /** Lifetime: seconds, or a duration like '90s', '15m', '6h', '7d'. Default 6h. */
  ttl?: number | string;
}

/**
 * An access token for one person: a JWT (HS256) signed with an API secret, its key in `iss`.
 *
 *   const jwt = await new AccessToken(key, secret, { identity: 'u-42', name: 'Ada' })
 *     .addGrant({ room: 'standup', roomJoin: true })
 *     .toJwt();
 */
export class AccessToken {
  private grants: AccessGrants = {};
  private readonly ttlSeconds: number;

  constructor(
    private readonly apiKey: string,
    private readonly apiSecret: string,
    private readonly options: AccessTokenOptions,
  ) {
    if (!apiKey || !apiSecret) throw new TypeError('AccessToken needs an API key and its secret');
    this.ttlSeconds = ttlSeconds(options.ttl ?? DEFAULT_TOKEN_TTL);
  }

  /** Adds to the grants given so far; a grant given again replaces the earlier one. */
  addGrant(grants: AccessGrants): this {
    this.grants = { ...this.grants, ...grants };
    return this;
  }

  /** Signs now: valid from now (the server allows 60 s of clock drift) for the ttl. */
  async toJwt(): Promise<string> {
    const now = Math.floor(Date.now() / 1000);
    const { identity, name, metadata } = this.options;
    // Checked against the server's own schema, so a token is never made that the server calls malformed.
    const claims = AccessClaims.safeParse({
      iss: this.apiKey,
      sub: identity,
      name,
      metadata,
      iat: now,
      nbf: now,
      exp: now + this.ttlSeconds,
      jti: randomUUID(),
      grants: this.grants,
    });
    if (!claims.success) {
      const issue = claims.error.issues[0]!;
      throw new TypeError(`AccessToken: ${issue.path.join('.')}: ${issue.message}`);
    }
    return new SignJWT(claims.data).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).sign(new TextEncoder().encode(this.apiSecret));
  }
}

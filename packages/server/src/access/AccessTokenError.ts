import { ErrorCode, ProtocolError, type RefusalReason } from '@confab/protocol';

/** The refusals that mean "no valid token" (code unauthenticated), as opposed to a valid token for something else. */
export type AccessTokenRefusal = Extract<
  RefusalReason,
  'token_missing' | 'token_malformed' | 'token_too_large' | 'token_algorithm' | 'token_unknown_key' | 'token_bad_signature' | 'token_expired' | 'token_not_yet_valid'
>;

/** No valid access token: `reason` tells programs which check failed, the message tells people what to do. */
export class AccessTokenError extends ProtocolError {
  constructor(
    override readonly reason: AccessTokenRefusal,
    message: string,
  ) {
    super(ErrorCode.Unauthenticated, message, reason);
  }

  /** A join or resume without a token on a server in token mode. */
  static missing(): AccessTokenError {
    return new AccessTokenError('token_missing', 'this server needs an access token to join: ask the app that sent you here for one');
  }
}

import { decodeJwt, decodeProtectedHeader, errors, jwtVerify, type JWTPayload } from 'jose';
import { ACCESS_TOKEN_LEEWAY_SECONDS, AccessClaims, MAX_ACCESS_TOKEN_LENGTH } from '@confab/protocol';
import { AccessTokenError } from './AccessTokenError';
import type { ApiKeys } from './apiKeys';

const encoder = new TextEncoder();

/**
 * Checks an access token (HS256 JWT) against the configured API keys and returns its claims, or
 * throws AccessTokenError saying why not. `exp` and `nbf` are checked with
 * ACCESS_TOKEN_LEEWAY_SECONDS of slack against `nowMs`.
 */
export async function verifyAccessToken(token: string, keys: ApiKeys, nowMs = Date.now()): Promise<AccessClaims> {
  if (token.length > MAX_ACCESS_TOKEN_LENGTH) {
    throw new AccessTokenError('token_too_large', `access token is ${token.length} characters long, at most ${MAX_ACCESS_TOKEN_LENGTH} are accepted`);
  }
  // Unverified: only to refuse other algorithms before any key is used, and to pick the key.
  const { alg, iss } = unverifiedAlgAndIssuer(token);
  if (alg !== 'HS256') throw new AccessTokenError('token_algorithm', `access token is signed with ${quote(alg)}, only HS256 is accepted`);
  const secret = keys.get(iss);
  if (secret === undefined) throw new AccessTokenError('token_unknown_key', `access token names API key ${quote(iss)}, which this server does not have`);

  let payload: JWTPayload;
  try {
    ({ payload } = await jwtVerify(token, encoder.encode(secret), {
      algorithms: ['HS256'],
      clockTolerance: ACCESS_TOKEN_LEEWAY_SECONDS,
      currentDate: new Date(nowMs),
      requiredClaims: ['exp'],
    }));
  } catch (error) {
    throw refusal(error, iss, nowMs);
  }
  const claims = AccessClaims.safeParse(payload);
  if (!claims.success) {
    const issue = claims.error.issues[0]!;
    throw malformed(`its claims do not fit: ${issue.path.join('.') || 'claims'}: ${issue.message}`);
  }
  return claims.data;
}

function unverifiedAlgAndIssuer(token: string): { alg: unknown; iss: string } {
  let alg: unknown;
  let iss: unknown;
  try {
    alg = decodeProtectedHeader(token).alg;
    iss = decodeJwt(token).iss;
  } catch {
    throw malformed('it is not a JWT (header.claims.signature, base64url-encoded JSON)');
  }
  if (typeof iss !== 'string' || iss === '') throw malformed('it has no "iss" claim naming the API key that signed it');
  return { alg, iss };
}

/** jose's verdict as a refusal; anything else is our bug and is rethrown. */
function refusal(error: unknown, iss: string, nowMs: number): AccessTokenError {
  if (error instanceof errors.JWSSignatureVerificationFailed) {
    return new AccessTokenError('token_bad_signature', `access token signature does not match the secret of API key ${quote(iss)}`);
  }
  if (error instanceof errors.JWTExpired) {
    return new AccessTokenError('token_expired', `access token expired at ${isoTime(error.payload.exp)}; ask for a new one`);
  }
  if (error instanceof errors.JWTClaimValidationFailed && error.claim === 'nbf' && error.reason === 'check_failed') {
    return new AccessTokenError(
      'token_not_yet_valid',
      `access token is valid from ${isoTime(error.payload.nbf)} but this server's clock says ${new Date(nowMs).toISOString()}; check the clock of the app backend that made it`,
    );
  }
  if (error instanceof errors.JOSEAlgNotAllowed) return new AccessTokenError('token_algorithm', 'access token is not signed with HS256');
  // JWSInvalid, JWTInvalid, JOSENotSupported (crit headers), other claim checks: a broken token.
  if (error instanceof errors.JOSEError) return malformed(error.message);
  throw error;
}

function malformed(why: string): AccessTokenError {
  return new AccessTokenError('token_malformed', `access token is malformed: ${why}`);
}

function isoTime(seconds: unknown): string {
  return typeof seconds === 'number' ? new Date(seconds * 1000).toISOString() : String(seconds);
}

/** Untrusted text in a message: bounded and escaped. */
function quote(value: unknown): string {
  return JSON.stringify(String(value).slice(0, 64));
}

import { createHmac } from 'node:crypto';
import type { IceServer, ParticipantId } from '@confab/protocol';

/** A coturn server with `use-auth-secret`: Confab mints its credentials (CONFAB_TURN_*). */
export interface TurnSettings {
  /** `turn:` / `turns:` URLs handed to clients. */
  urls: string[];
  /** coturn's `static-auth-secret`. */
  secret: string;
  /** How long minted credentials are valid. */
  ttlSeconds: number;
}

/**
 * Time-limited credentials in the TURN REST API form that coturn's `use-auth-secret` checks:
 * username `<expiry unix seconds>:<participant id>`, password base64(HMAC-SHA1(secret, username)).
 * coturn refuses the username once its expiry has passed, so a leaked credential dies by itself.
 */
export function turnCredentials(settings: TurnSettings, participantId: ParticipantId, nowMs = Date.now()): IceServer {
  const expiry = Math.floor(nowMs / 1000) + settings.ttlSeconds;
  const username = `${expiry}:${participantId}`;
  const credential = createHmac('sha1', settings.secret).update(username).digest('base64');
  return { urls: [...settings.urls], username, credential };
}

/**
 * What a participant's peer connections use: the fixed servers of CONFAB_ICE_SERVERS, plus fresh
 * TURN credentials when CONFAB_TURN_URLS is set. Called for `joined`, `resumed` and `ice_servers`.
 */
export function createIceServerSource(fixed: readonly IceServer[], turn: TurnSettings | undefined): (participantId: ParticipantId) => IceServer[] {
  return (participantId) => {
    const servers = fixed.map((server) => ({ ...server }));
    if (turn) servers.push(turnCredentials(turn, participantId));
    return servers;
  };
}

const TURN_URL = /^(turns?):(\[[0-9a-fA-F:.]+\]|[^\s:/?#[\]@]+)(?::(\d{1,5}))?(?:\?transport=(udp|tcp))?$/;

/** Checks one `turn:`/`turns:` URL (RFC 7065); returns why it is not one, or undefined. */
export function turnUrlProblem(url: string): string | undefined {
  const match = TURN_URL.exec(url);
  if (!match) return 'not a TURN URL like turn:turn.example.com:3478?transport=udp or turns:turn.example.com:5349';
  const [, scheme, , port, transport] = match;
  if (port !== undefined && (Number(port) < 1 || Number(port) > 65535)) return 'port must be 1 to 65535';
  if (scheme === 'turns' && transport === 'udp') return 'turns: runs over TLS, so transport=udp is not possible';
  return undefined;
}

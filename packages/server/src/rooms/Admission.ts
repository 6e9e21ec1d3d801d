import type { Permissions } from '@confab/protocol';
import type { ParticipantProfile } from './Participant';
import type { JoinRequest, ResumeRequest } from './requests';

/** Who a join lets in and what they may do: from an access token, or open mode's defaults. */
export interface Admission {
  profile: ParticipantProfile;
  permissions: Permissions;
}

/**
 * Decides who may come in (docs/security.md): open mode lets anyone in, token mode only holders of
 * a valid access token for the room. Checked where the room lives, whichever node took the socket.
 */
export interface AccessPolicy {
  readonly mode: 'open' | 'token';
  /** Throws a ProtocolError (unauthenticated / permission_denied, with a reason) if the join may not go on. */
  admitJoin(request: JoinRequest): Promise<Admission>;
  /** Throws unless the resume carries what this mode needs (a valid token for `identity`). */
  checkResume(request: ResumeRequest, identity: string): Promise<void>;
}

/** Bans by identity, per room, for a while: kept where every node sees them (Redis in a cluster). */
export interface BanList {
  ban(room: string, identity: string, seconds: number): Promise<void>;
  isBanned(room: string, identity: string): Promise<boolean>;
}

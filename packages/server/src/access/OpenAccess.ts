import { randomUUID } from 'node:crypto';
import { TrackSource, type Permissions } from '@confab/protocol';
import type { AccessPolicy, Admission } from '../rooms/Admission';
import type { JoinRequest } from '../rooms/requests';

/** Everything but moderation: what anyone gets in open mode, and a token's grants by default. */
export function defaultPermissions(): Permissions {
  return { canPublish: true, canPublishSources: [...TrackSource.options], canSubscribe: true, canChat: true, moderator: false };
}

/**
 * Open mode (no API keys): anyone may join; the room makes its first member the host. The
 * browser's own identity (join.identity) is taken as given, so a ban holds across reloads; it is
 * no proof of anything, which is what token mode is for.
 */
export class OpenAccess implements AccessPolicy {
  readonly mode = 'open';

  async admitJoin(request: JoinRequest): Promise<Admission> {
    return {
      profile: { identity: request.identity ?? `guest-${randomUUID()}`, name: request.name, hidden: false },
      permissions: defaultPermissions(),
    };
  }

  async checkResume(): Promise<void> {}
}

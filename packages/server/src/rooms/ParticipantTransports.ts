import { MediaError } from '../media/errors';
import type { Transport, TransportRole } from '../media/types';

/**
 * A participant's two media transports, each created the first time something needs it: the
 * publish transport with the first publish, offer or publisher candidate, the subscribe transport
 * with the first track to forward, ICE restart or subscriber candidate. A participant who only
 * talks, chats or watches the list costs the media plane nothing (issue 14: idle sessions at
 * <= 20 KB; two idle transports alone were ~125 KB with the sfu engine's receive-side buffers).
 * A media plane that cannot host one (port range full, worker gone) fails the request that
 * needed it, with the MediaError that says why, instead of the join.
 */
export class ParticipantTransports {
  private publish: Transport | undefined;
  private subscribe: Transport | undefined;
  private closed = false;

  constructor(private readonly create: (role: TransportRole) => Transport) {}

  /** The publish transport, created now if this is its first use. */
  get publishing(): Transport {
    return this.open('publish');
  }

  /** The subscribe transport, created now if this is its first use. */
  get subscribing(): Transport {
    return this.open('subscribe');
  }

  /** The transport for `role`, created now if it does not exist yet. Throws what the router throws. */
  open(role: TransportRole): Transport {
    this.assertOpen();
    if (role === 'publish') return (this.publish ??= this.create('publish'));
    return (this.subscribe ??= this.create('subscribe'));
  }

  /** Whether either transport exists yet (tests, and what an idle session costs). */
  get created(): { publish: boolean; subscribe: boolean } {
    return { publish: this.publish !== undefined, subscribe: this.subscribe !== undefined };
  }

  /** Closes whichever exist; nothing is created afterwards. Idempotent. */
  close(): void {
    this.closed = true;
    this.publish?.close();
    this.subscribe?.close();
  }

  private assertOpen(): void {
    // The participant left: a late command must not bring a transport back that nobody closes.
    if (this.closed) throw MediaError.conflict('the participant has left; its media transports are closed');
  }
}

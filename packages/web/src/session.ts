/** One attempt to be in a room: connect, show the room view, leave. */
import { connect, type ConnectOptions, type Room } from '@confab/client';
import { setAppState } from './appState';
import { forceRelayRequested } from './diagnostics';
import { RoomView } from './roomView';

declare global {
  interface Window {
    /** The SDK Room while in a room (end-to-end tests drive and inspect it). */
    confabRoom?: Room;
  }
}

/** What to publish at join (pre-join tracks, or constraints to capture) and where to play sound. */
export interface SessionMedia {
  publish: NonNullable<ConnectOptions['publish']> | Promise<NonNullable<ConnectOptions['publish']>>;
  /** An audio output device id (setSinkId), or null for the system default. */
  speakerId: string | null;
}

export interface SessionHandlers {
  mount: HTMLElement;
  /** The user left; go back to the lobby. */
  onLeft(): void;
  /** The user asked to rejoin after a disconnect. */
  onRejoin(): void;
  /** connect() failed. */
  onFailed(err: unknown): void;
}

export class Session {
  private room: Room | null = null;
  private view: RoomView | null = null;
  private closed = false;

  constructor(
    readonly roomName: string,
    readonly name: string,
    private readonly handlers: SessionHandlers,
    private readonly media: SessionMedia,
  ) {}

  async start(): Promise<void> {
    let room: Room;
    try {
      room = await connect(location.origin, this.roomName, this.name, {
        status: 'online',
        publish: await this.media.publish,
        forceRelay: forceRelayRequested(location.search),
      });
    } catch (err) {
      if (!this.closed) this.handlers.onFailed(err);
      return;
    }
    if (this.closed) {
      void room.leave().catch(() => undefined);
      return;
    }
    this.room = room;
    window.confabRoom = room;
    this.view = new RoomView(room, {
      leave: () => {
        this.close();
        this.handlers.onLeft();
      },
      rejoin: () => this.handlers.onRejoin(),
    }, { speakerId: this.media.speakerId });
    this.handlers.mount.replaceChildren(this.view.el);
    setAppState(room.state === 'disconnected' ? 'error' : 'in-room');
  }

  /** Tears the view down and leaves the room (idempotent). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.view?.destroy();
    this.view = null;
    if (this.room) {
      void this.room.leave().catch(() => undefined);
      if (window.confabRoom === this.room) delete window.confabRoom;
      this.room = null;
    }
  }
}

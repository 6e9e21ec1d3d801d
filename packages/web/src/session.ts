/** One attempt to be in a room: connect (perhaps after a lobby wait), show the room view, leave. */
import { connect, type ConfabError, type ConnectOptions, type Room } from '@confab/client';
import { setAppState } from './appState';
import { forceRelayRequested } from './diagnostics';
import { askRecordingConsent } from './recordingConsent';
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

/** What lets us in: the invitation link's access token (`?token=`), the meeting's password. */
export interface SessionAccess {
  token?: string;
  password?: string;
}

export interface SessionHandlers {
  mount: HTMLElement;
  /** The user left; go back to the lobby. */
  onLeft(): void;
  /** The user asked to rejoin after a disconnect. */
  onRejoin(): void;
  /** connect() failed. */
  onFailed(err: unknown): void;
  /** The room has a lobby: we wait for a moderator to let us in. */
  onWaiting(): void;
  /** The server sent us out for good (removed, banned, replaced, the meeting ended). */
  onRemoved(err: ConfabError): void;
}

export class Session {
  private room: Room | null = null;
  private view: RoomView | null = null;
  private closed = false;
  /** Cancels connecting, a lobby wait included. */
  private readonly connecting = new AbortController();

  constructor(
    readonly roomName: string,
    readonly name: string,
    private readonly handlers: SessionHandlers,
    private readonly media: SessionMedia,
    private readonly access: SessionAccess = {},
  ) {}

  async start(): Promise<void> {
    let room: Room;
    try {
      room = await connect(location.origin, this.roomName, this.name, {
        status: 'online',
        publish: await this.media.publish,
        forceRelay: forceRelayRequested(location.search),
        ...(this.access.token ? { token: this.access.token } : {}),
        ...(this.access.password ? { password: this.access.password } : {}),
        // A recorded meeting: nothing of ours goes out before the person agrees.
        confirmRecording: (recording) =>
          askRecordingConsent(recording, () => {
            this.close();
            this.handlers.onLeft();
          }),
        onWaiting: () => {
          if (!this.closed) this.handlers.onWaiting();
        },
        signal: this.connecting.signal,
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
    const view = new RoomView(room, {
      leave: () => {
        this.close();
        this.handlers.onLeft();
      },
      rejoin: () => this.handlers.onRejoin(),
      removed: (err) => {
        this.close();
        this.handlers.onRemoved(err);
      },
    }, { speakerId: this.media.speakerId, recordingConsentAsked: room.recording !== null });
    if (this.closed) {
      view.destroy(); // removed in the instant before the view was up: the removal page shows instead
      return;
    }
    this.view = view;
    this.handlers.mount.replaceChildren(view.el);
    setAppState(room.state === 'disconnected' ? 'error' : 'in-room');
  }

  /** Tears the view down and leaves the room, or stops connecting (idempotent). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.connecting.abort();
    this.view?.destroy();
    this.view = null;
    if (this.room) {
      void this.room.leave().catch(() => undefined);
      if (window.confabRoom === this.room) delete window.confabRoom;
      this.room = null;
    }
  }
}

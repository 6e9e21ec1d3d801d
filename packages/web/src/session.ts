/** One attempt to be in a room: connect, show the room view, leave. */
import { connect, type Room } from '@confab/client';
import { setAppState } from './appState';
import { RoomView } from './roomView';

declare global {
  interface Window {
    /** The SDK Room while in a room (end-to-end tests drive and inspect it). */
    confabRoom?: Room;
  }
}

/** Asked for at join: 16:9 to fill the tiles, echo cancellation for the microphone. */
const CAMERA: MediaTrackConstraints = { width: { ideal: 1280 }, height: { ideal: 720 }, frameRate: { ideal: 30 } };
const MICROPHONE: MediaTrackConstraints = { echoCancellation: true, noiseSuppression: true, autoGainControl: true };

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
  ) {}

  async start(): Promise<void> {
    let room: Room;
    try {
      room = await connect(location.origin, this.roomName, this.name, {
        status: 'online',
        publish: { microphone: MICROPHONE, camera: CAMERA },
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
    });
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

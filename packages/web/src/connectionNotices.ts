/** Banners for the connection: reconnecting, disconnected (with Rejoin), server shutting down. */
import { banner, closeBanner, toast } from './toast';

export interface ConnectionNoticeActions {
  rejoin(): void;
  leave(): void;
}

export class ConnectionNotices {
  private shutdownTimer: ReturnType<typeof setInterval> | undefined;
  private wasReconnecting = false;

  constructor(private readonly actions: ConnectionNoticeActions) {}

  reconnecting(): void {
    this.wasReconnecting = true;
    banner('connection', 'Connection lost. Reconnecting…', { kind: 'warning', busy: true });
  }

  connected(): void {
    closeBanner('connection');
    this.stopShutdown();
    if (this.wasReconnecting) toast('Reconnected', { kind: 'success' });
    this.wasReconnecting = false;
  }

  disconnected(reason: string | undefined): void {
    this.stopShutdown();
    const detail = /shutting down|going away|1001/i.test(reason ?? '') ? ': the server restarted' : '';
    banner('connection', `You were disconnected${detail}.`, {
      kind: 'error',
      actions: [
        { label: 'Rejoin', primary: true, onClick: () => this.actions.rejoin() },
        { label: 'Leave', onClick: () => this.actions.leave() },
      ],
    });
  }

  /** "Server restarting in N s", counting down. */
  shutdown(seconds: number): void {
    this.stopShutdown();
    const endsAt = Date.now() + Math.max(0, seconds) * 1000;
    const text = (): string => {
      const left = Math.ceil((endsAt - Date.now()) / 1000);
      return left > 0 ? `Server restarting in ${left} s.` : 'Server restarting now…';
    };
    const handle = banner('shutdown', text(), { kind: 'warning' });
    this.shutdownTimer = setInterval(() => {
      handle.setMessage(text());
      if (Date.now() >= endsAt) clearInterval(this.shutdownTimer);
    }, 1000);
  }

  destroy(): void {
    this.stopShutdown();
    closeBanner('connection');
  }

  private stopShutdown(): void {
    clearInterval(this.shutdownTimer);
    this.shutdownTimer = undefined;
    closeBanner('shutdown');
  }
}

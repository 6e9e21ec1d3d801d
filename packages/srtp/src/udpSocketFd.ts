import type { Socket } from 'node:dgram';

/**
 * A dgram socket's file descriptor, for the native batched send (NativeUdpBatchSend). Node has no
 * public accessor; its UDP handle (behind the socket's state symbol) has `fd` on POSIX. null if
 * it is not there (another platform, or Node's internals changed): callers keep socket.send().
 */
export function udpSocketFd(socket: Socket): number | null {
  const state = Object.getOwnPropertySymbols(socket).find((s) => s.description === 'state symbol');
  const handle = state === undefined ? undefined : (socket as unknown as Record<symbol, { handle?: { fd?: unknown } }>)[state]?.handle;
  const fd = handle?.fd;
  return typeof fd === 'number' && fd >= 0 ? fd : null;
}

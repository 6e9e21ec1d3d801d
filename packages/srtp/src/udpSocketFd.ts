import type { Socket } from 'node:dgram';

/** Node's UDP handle behind a dgram socket; Node has no public accessor for it. */
interface UdpHandle {
  fd?: unknown;
  recvStop?: () => number;
  recvStart?: () => number;
}

function udpHandle(socket: Socket): UdpHandle | undefined {
  const state = Object.getOwnPropertySymbols(socket).find((s) => s.description === 'state symbol');
  return state === undefined ? undefined : (socket as unknown as Record<symbol, { handle?: UdpHandle }>)[state]?.handle;
}

/**
 * A dgram socket's file descriptor, for the native batched send (NativeUdpBatchSend). Node has no
 * public accessor; its UDP handle (behind the socket's state symbol) has `fd` on POSIX. null if
 * it is not there (another platform, or Node's internals changed): callers keep socket.send().
 */
export function udpSocketFd(socket: Socket): number | null {
  const fd = udpHandle(socket)?.fd;
  return typeof fd === 'number' && fd >= 0 ? fd : null;
}

/**
 * Stops Node reading a bound dgram socket, so that a native receive (NativeUdpReceive) can own its
 * reads; 'message' is not emitted any more. From then on the socket must not send through Node
 * either: a send the kernel refuses would make libuv watch the descriptor itself. Returns a
 * function that gives the reads back to Node, or null if Node's internals do not allow it.
 */
export function stopDgramReceive(socket: Socket): (() => void) | null {
  const handle = udpHandle(socket);
  if (typeof handle?.recvStop !== 'function' || typeof handle.recvStart !== 'function') return null;
  if (handle.recvStop() !== 0) return null;
  return () => void handle.recvStart!();
}

import { connect } from 'node:net';

/**
 * What a fresh TCP connection to Redis finds when our own connection stopped getting answers:
 * - `answering`: Redis is serving (others can renew and take leases);
 * - `refused`: nothing listens on the port: Redis is down, for every node alike;
 * - `silent`: the kernel accepts but Redis says nothing: Redis is stalled, for every node alike;
 * - `unreachable`: no TCP at all (timeout, no route): we are the ones cut off, or we cannot tell.
 * A stalled or down Redis lets nobody take a lease over, so owners may keep their rooms through
 * it; cut off, an owner must assume the others still reach Redis (see LeaseKeeper).
 */
export type ProbeResult = 'answering' | 'refused' | 'silent' | 'unreachable';

export function probeRedis(host: string, port: number, timeoutMs: number): Promise<ProbeResult> {
  return new Promise((resolve) => {
    let connected = false;
    const socket = connect({ host, port });
    const done = (result: ProbeResult) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(result);
    };
    let timer = setTimeout(() => done('unreachable'), timeoutMs);
    socket.once('connect', () => {
      connected = true;
      clearTimeout(timer);
      timer = setTimeout(() => done('silent'), timeoutMs);
      // Any reply counts, even an auth error, and so does a close (a TLS port hangs up on plain text).
      socket.write('PING\r\n');
    });
    socket.once('data', () => done('answering'));
    socket.once('end', () => done('answering'));
    socket.once('error', (error: NodeJS.ErrnoException) => {
      if (connected) return done('answering');
      done(error.code === 'ECONNREFUSED' ? 'refused' : 'unreachable');
    });
  });
}

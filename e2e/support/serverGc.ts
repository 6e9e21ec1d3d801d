/**
 * A full garbage collection in the server process, through Node's own inspector, so a memory reading
 * taken right after shows what is still referenced, not garbage the collector has not reached yet.
 * The server runs unchanged; only its Node gets `--inspect` on a loopback port (inspectorEnv()).
 */
import WebSocket from 'ws';

/** Environment that makes the server's Node listen for an inspector on 127.0.0.1:`port`. */
export function inspectorEnv(port: number): Record<string, string> {
  return { NODE_OPTIONS: `${process.env['NODE_OPTIONS'] ?? ''} --inspect=127.0.0.1:${port}`.trim() };
}

/** Runs `HeapProfiler.collectGarbage` in the process whose inspector listens on `port`. */
export async function collectGarbage(port: number): Promise<void> {
  const targets = (await (await fetch(`http://127.0.0.1:${port}/json/list`)).json()) as { webSocketDebuggerUrl: string }[];
  const url = targets[0]?.webSocketDebuggerUrl;
  if (url === undefined) throw new Error(`no inspector target on port ${port}`);
  const ws = new WebSocket(url);
  try {
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('collectGarbage: no reply in 10 s')), 10_000);
      ws.on('message', (data) => {
        if ((JSON.parse(String(data)) as { id?: number }).id === 1) {
          clearTimeout(timer);
          resolve();
        }
      });
      ws.send(JSON.stringify({ id: 1, method: 'HeapProfiler.collectGarbage' }));
    });
  } finally {
    ws.close();
  }
}

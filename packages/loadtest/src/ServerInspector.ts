import { WebSocket } from 'ws';

/** The server's own view of its memory (process.memoryUsage() in the server). */
export interface ServerMemory {
  rss: number;
  heapTotal: number;
  heapUsed: number;
  external: number;
  arrayBuffers: number;
}

/** `--inspect=127.0.0.1:0` makes Node print where its inspector listens; this finds that line. */
export const INSPECTOR_LINE = /Debugger listening on (ws:\/\/\S+)/;

/**
 * The server process's inspector (it runs with `--inspect=127.0.0.1:0`): a full garbage collection
 * before each memory reading, so that the bytes per session are what sessions hold, not garbage
 * the joins left behind. Connected only while reading; idle otherwise.
 */
export class ServerInspector {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (result: unknown) => void; reject: (error: Error) => void }>();

  private constructor(private readonly socket: WebSocket) {
    socket.on('message', (data) => {
      const message = JSON.parse(String(data)) as { id?: number; result?: unknown; error?: { message: string } };
      const waiting = message.id === undefined ? undefined : this.pending.get(message.id);
      if (!waiting) return;
      this.pending.delete(message.id!);
      if (message.error) waiting.reject(new Error(message.error.message));
      else waiting.resolve(message.result);
    });
  }

  static connect(url: string): Promise<ServerInspector> {
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(url);
      socket.once('open', () => resolve(new ServerInspector(socket)));
      socket.once('error', reject);
    });
  }

  /** Collects garbage (twice: weak references and finalizers free more on the second pass), then reads memory. */
  async memoryAfterGc(): Promise<ServerMemory> {
    await this.call('HeapProfiler.collectGarbage');
    await this.call('HeapProfiler.collectGarbage');
    const result = (await this.call('Runtime.evaluate', { expression: 'JSON.stringify(process.memoryUsage())', returnByValue: true })) as {
      result: { value: string };
    };
    return JSON.parse(result.result.value) as ServerMemory;
  }

  close(): void {
    this.socket.close();
  }

  private call(method: string, params: object = {}): Promise<unknown> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.socket.send(JSON.stringify({ id, method, params }));
    });
  }
}

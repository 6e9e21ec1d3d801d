/**
 * Runs async tasks one at a time, in the order they were queued: the mailbox of a room actor.
 * A failing task rejects its own promise and never stops the queue.
 */
export class SerialQueue {
  private readonly tasks: (() => Promise<void>)[] = [];
  private running = false;

  /** True when nothing is running and nothing waits. */
  get idle(): boolean {
    return !this.running && this.tasks.length === 0;
  }

  /** Tasks waiting behind the one running. */
  get backlog(): number {
    return this.tasks.length;
  }

  run<T>(task: () => Promise<T> | T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.tasks.push(async () => {
        try {
          resolve(await task());
        } catch (error) {
          reject(error);
        }
      });
      if (!this.running) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.running = true;
    for (let task = this.tasks.shift(); task; task = this.tasks.shift()) await task();
    this.running = false;
  }
}

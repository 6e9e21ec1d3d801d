/**
 * Calls `tick` every `periodMs` on average. Timers drift and stall under load, so each wakeup
 * emits every tick that is due, up to `maxCatchUp` (beyond that, ticks are skipped, as a real
 * encoder would drop frames).
 */
export class MediaClock {
  private timer: NodeJS.Timeout | undefined;
  private started = 0;
  private emitted = 0;

  constructor(
    private readonly periodMs: number,
    private readonly tick: () => void,
    private readonly maxCatchUp = 5,
  ) {}

  get running(): boolean {
    return this.timer !== undefined;
  }

  start(): void {
    if (this.timer) return;
    this.started = performance.now();
    this.emitted = 0;
    this.timer = setInterval(() => this.wake(), Math.max(1, Math.floor(this.periodMs / 2)));
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private wake(): void {
    const due = Math.floor((performance.now() - this.started) / this.periodMs) + 1;
    if (due - this.emitted > this.maxCatchUp) this.emitted = due - this.maxCatchUp;
    while (this.emitted < due) {
      this.emitted++;
      this.tick();
    }
  }
}

/**
 * Reads what `ffmpeg -progress pipe:1` writes: blocks of `key=value` lines, each ending with
 * `progress=continue` (or `progress=end` at the last). Fed chunks as they come (a line may be split
 * across two), it reports how far the output has got.
 */
export class FfmpegProgress {
  /** Output time reached, in µs (0 until the first block). */
  outTimeUs = 0;
  ended = false;
  private partial = '';

  /** Takes a chunk of ffmpeg's output; returns true when a block ended (a moment to report). */
  push(chunk: string): boolean {
    const lines = (this.partial + chunk).split('\n');
    this.partial = lines.pop() ?? '';
    let blockEnded = false;
    for (const line of lines) {
      const eq = line.indexOf('=');
      if (eq < 0) continue;
      const key = line.slice(0, eq).trim();
      const value = line.slice(eq + 1).trim();
      // out_time_ms is also in µs (an old ffmpeg misnomer); out_time_us is the honest name. Both say "N/A" before the first frame.
      if ((key === 'out_time_us' || key === 'out_time_ms') && /^\d+$/.test(value)) this.outTimeUs = Math.max(this.outTimeUs, Number(value));
      if (key === 'progress') {
        blockEnded = true;
        if (value === 'end') this.ended = true;
      }
    }
    return blockEnded;
  }

  /** Share of `durationMs` done, 0 to 1. */
  fraction(durationMs: number): number {
    if (this.ended) return 1;
    if (durationMs <= 0) return 0;
    return Math.min(1, Math.max(0, this.outTimeUs / 1000 / durationMs));
  }
}

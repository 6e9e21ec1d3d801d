/**
 * A V8 CPU profile of the joining page (`bench:join --cpu-profile <dir>`): which of the page's
 * functions took its main thread, sampled every 200 µs from before navigation until every tile
 * played, written as `.cpuprofile` (Chrome DevTools' Performance panel loads it; the bundle's
 * source map, packages/web/dist/app.js.map, names the minified functions).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CDPSession } from 'playwright-core';

const SAMPLING_INTERVAL_US = 200;

export async function startProfile(cdp: CDPSession): Promise<void> {
  await cdp.send('Profiler.enable');
  await cdp.send('Profiler.setSamplingInterval', { interval: SAMPLING_INTERVAL_US });
  await cdp.send('Profiler.start');
}

/** Stops the profiler and writes the profile to `<dir>/<name>.cpuprofile`. */
export async function endProfile(cdp: CDPSession, dir: string, name: string): Promise<void> {
  const { profile } = await cdp.send('Profiler.stop');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `${name.replace(/[^\w.-]+/g, '-')}.cpuprofile`), JSON.stringify(profile));
}

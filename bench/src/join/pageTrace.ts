/**
 * Where a page's main thread spent a join (`bench:join --trace`): a Chrome trace of the join
 * (CDP Tracing, the DevTools timeline's categories), reduced to self time by event name on the
 * page's renderer main thread. Self time: an event's duration less the events
 * nested in it, so "Layout" is layout and not the script that forced it.
 */
import type { CDPSession } from 'playwright-core';

const CATEGORIES = ['devtools.timeline', 'disabled-by-default-devtools.timeline', 'v8.execute', 'v8', 'blink'].join(',');

interface TraceEvent {
  name: string;
  ph: string;
  pid: number;
  tid: number;
  ts: number;
  dur?: number;
  args?: { name?: string };
}

export async function startTrace(cdp: CDPSession): Promise<void> {
  await cdp.send('Tracing.start', { categories: CATEGORIES, transferMode: 'ReturnAsStream' });
}

/** Ends the trace and returns the main thread's self time by event name (ms), largest first. */
export async function endTrace(cdp: CDPSession): Promise<Record<string, number>> {
  const complete = new Promise<string>((resolve) => cdp.once('Tracing.tracingComplete', (e) => resolve(e.stream!)));
  await cdp.send('Tracing.end');
  const stream = await complete;
  let text = '';
  for (;;) {
    const chunk = await cdp.send('IO.read', { handle: stream });
    text += chunk.base64Encoded ? Buffer.from(chunk.data, 'base64').toString() : chunk.data;
    if (chunk.eof) break;
  }
  await cdp.send('IO.close', { handle: stream });
  const parsed = JSON.parse(text) as { traceEvents?: TraceEvent[] } | TraceEvent[];
  return mainThreadSelfTimes(Array.isArray(parsed) ? parsed : (parsed.traceEvents ?? []));
}

export function mainThreadSelfTimes(events: readonly TraceEvent[]): Record<string, number> {
  // The page's thread: the busiest renderer main thread (a new context's page has its own renderer).
  const mains = new Set(events.filter((e) => e.ph === 'M' && e.name === 'thread_name' && e.args?.name === 'CrRendererMain').map((e) => `${e.pid}:${e.tid}`));
  const busy = new Map<string, number>();
  for (const e of events) if (e.ph === 'X' && e.name === 'RunTask' && mains.has(`${e.pid}:${e.tid}`)) busy.set(`${e.pid}:${e.tid}`, (busy.get(`${e.pid}:${e.tid}`) ?? 0) + (e.dur ?? 0));
  const main = [...busy].sort((a, b) => b[1] - a[1])[0]?.[0];
  if (main === undefined) return {};
  const spans = events
    .filter((e) => e.ph === 'X' && `${e.pid}:${e.tid}` === main && (e.dur ?? 0) > 0)
    .sort((a, b) => a.ts - b.ts || b.dur! - a.dur!);
  const self = new Map<string, number>();
  const open: { end: number; name: string }[] = [];
  const add = (name: string, us: number): void => void self.set(name, (self.get(name) ?? 0) + us);
  for (const e of spans) {
    while (open.length > 0 && open.at(-1)!.end <= e.ts) open.pop();
    const parent = open.at(-1);
    if (parent) add(parent.name, -Math.min(e.dur!, parent.end - e.ts));
    add(e.name, e.dur!);
    open.push({ end: e.ts + e.dur!, name: e.name });
  }
  const rows = [...self].filter(([, us]) => us >= 1000).sort((a, b) => b[1] - a[1]);
  return Object.fromEntries(rows.map(([name, us]) => [name, Math.round(us / 100) / 10]));
}

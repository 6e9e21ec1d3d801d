/**
 * What a page receives and decodes of someone's camera, sampled over time: where a slow recovery
 * or a still picture spent its time (packets arriving or not, NACKs, key frame requests, drops).
 */
import type { Page } from 'playwright-core';

/** What `viewer`'s page receives and decodes of `name`'s camera, from its receiver's inbound-rtp. */
export async function receiving(viewer: Page, name: string): Promise<string> {
  return viewer.evaluate(async (of) => {
    type Track = { source: string; receiver?: RTCRtpReceiver };
    const room = (window as unknown as { confabRoom: { participants: Map<string, { name: string; tracks: Map<string, Track> }> } }).confabRoom;
    const who = [...room.participants.values()].find((p) => p.name === of);
    const receiver = [...(who?.tracks.values() ?? [])].find((t) => t.source === 'camera')?.receiver;
    const fields = [['packetsReceived', 'pkts'], ['packetsLost', 'lost'], ['framesReceived', 'frames'], ['framesDecoded', 'decoded'], ['keyFramesDecoded', 'key'], ['framesDropped', 'dropped'], ['nackCount', 'nack'], ['pliCount', 'pli'], ['frameHeight', 'h']];
    let line = 'nothing';
    (await receiver?.getStats())?.forEach((s: Record<string, unknown>) => {
      if (s['type'] === 'inbound-rtp') line = fields.map(([k, label]) => `${label} ${String(s[k!] ?? '-')}`).join(' ');
    });
    return line;
  }, name);
}

/**
 * Samples every `read` every 100 ms until stopped and keeps each change (at most 200), in ms from
 * `from` (Date.now()); the returned function stops it and gives the changes.
 */
export function traceChanges(reads: Record<string, () => Promise<string>>, from: number): () => Promise<string[]> {
  const changes: string[] = [];
  let stopped = false;
  const loop = (async () => {
    let last = '';
    while (!stopped) {
      const seen = await Promise.all(Object.entries(reads).map(async ([who, read]) => `${who} ${await read().catch(() => '?')}`));
      const now = seen.join('; ');
      if (now !== last && changes.length < 200) changes.push(`${Date.now() - from}: ${now}`);
      last = now;
      await new Promise((r) => setTimeout(r, 100));
    }
  })();
  return async () => {
    stopped = true;
    await loop;
    return changes;
  };
}

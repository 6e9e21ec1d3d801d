import { test } from 'node:test';
import { uniqueRoom } from './support/browser';
import { createHarness } from './support/harness';
import { peerConnectionsScript, publisherPair } from './support/peerConnections';
import { sleep } from './support/wait';

test('explore', { timeout: 200_000 }, async () => {
  const h = await createHarness({ logLevel: 'info' });
  try {
    const room = uniqueRoom('x');
    await h.join(room, 'Alice', { initScript: peerConnectionsScript() });
    await h.join(room, 'Bob', { initScript: peerConnectionsScript() });
    for (let i = 0; i < 6; i++) {
      await sleep(1000);
      const v = await h.person('Bob').page.evaluate(async () => {
        const out: unknown[] = [];
        for (const pc of (window as any).__confabPeerConnections) for (const s of (await pc.getStats()).values()) if (s.type === 'inbound-rtp') out.push([s.kind, s.estimatedPlayoutTimestamp % 100000, Math.round(1000*s.jitterBufferTargetDelay/s.jitterBufferEmittedCount), 'lost', s.packetsLost, 'nack', s.nackCount, 'jit', s.jitter, 'fr', s.framesPerSecond, s.freezeCount]);
        return out;
      });
      const o = await h.person('Alice').page.evaluate(async () => {
        const out: unknown[] = [];
        for (const pc of (window as any).__confabPeerConnections) for (const s of (await pc.getStats()).values()) if (s.type === 'outbound-rtp') out.push([s.kind, 'rtx', s.retransmittedPacketsSent, 'nack', s.nackCount, s.targetBitrate, s.framesPerSecond, s.qualityLimitationReason]);
        return out;
      });
      console.log(i, JSON.stringify(await publisherPair(h.person('Alice').page)), JSON.stringify(v.map((x: any) => x.slice(0,3))), JSON.stringify(o));
    }
  } finally {
    await h.close();
  }
});

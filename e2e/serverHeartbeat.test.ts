/**
 * CONFAB_HEARTBEAT=server in real Chromium (docs/protocol.md "Resume"): the server writes a frame
 * to each idle connection every interval and the SDK sends no heartbeat of its own. A network cut
 * (nftables drops the victim's signaling and media) is still shown within 5 s on both sides: to
 * the others once TCP gives up on the victim (TCP_USER_TIMEOUT, set through the native core), to
 * the victim once the server's frames stop. When the network returns, the same session resumes.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { uniqueRoom } from './support/browser';
import { createHarness, type Harness } from './support/harness';
import { expectTilePlaying, tileSelector } from './support/observe';
import { localUdpPorts, NetworkCut, PC_RECORDER } from './support/network';
import { EVENT_RECORDER, events, selfId } from './support/roomEvents';
import { waitFor } from './support/wait';

/** The victim reaches the server on its own loopback address, so its signaling can be cut alone. */
const VICTIM_ADDRESS = '127.0.0.2';
const OUTAGE_MS = 8_000;
let h: Harness;

describe('the server keeps the heartbeat', { timeout: 120_000 }, () => {
  before(async () => {
    h = await createHarness({ env: { CONFAB_HOST: '0.0.0.0', CONFAB_HEARTBEAT: 'server' } });
  });
  after(async () => {
    await h?.close();
  });

  test('a page sends no heartbeat of its own; a network cut shows on both sides within 5 s, and the session resumes after it', () =>
    h.run(async () => {
      const room = uniqueRoom('e2e-server-heartbeat');
      const alice = (await h.join(room, 'Alice')).page;
      await alice.evaluate(EVENT_RECORDER);
      const carol = (await h.join(room, 'Carol', { baseUrl: `http://${VICTIM_ADDRESS}:${h.server.port}`, initScript: PC_RECORDER })).page;
      await expectTilePlaying(alice, 'Alice', 'Carol');
      await carol.evaluate(EVENT_RECORDER);
      const idBefore = await selfId(carol);

      // What Carol's page writes to the server over 5 s in which nobody does anything: no ping
      // asks for a reply; what it has received is acknowledged at most once an interval.
      const sent = await carol.evaluate(async () => {
        return new Promise<string[]>((resolve) => {
          const frames: string[] = [];
          const original = WebSocket.prototype.send;
          WebSocket.prototype.send = function (this: WebSocket, data: string | ArrayBufferLike | Blob | ArrayBufferView) {
            frames.push(String(data));
            return original.call(this, data);
          };
          setTimeout(() => {
            WebSocket.prototype.send = original;
            resolve(frames);
          }, 5_000);
        });
      });
      console.log(`# server heartbeat: Carol's page sent in 5 s: ${sent.join(' ') || 'nothing'}`);
      assert.ok(sent.length <= 3, `at most one frame an interval: ${sent.join(' ')}`);
      for (const frame of sent) assert.match(frame, /^\{"type":"ping","lastSeq":\d+,"reply":false\}$/, 'only acknowledgements');

      const cut = new NetworkCut(VICTIM_ADDRESS, h.server.port);
      await cut.cut(await localUdpPorts(carol));
      const cutAt = Date.now();
      let shownAt: number;
      try {
        await waitFor(() => alice.evaluate((sel) => document.querySelector(`${sel}[data-connection="reconnecting"]`) !== null, tileSelector('Carol')), {
          timeout: 10_000,
          interval: 50,
          message: 'Alice sees Carol reconnecting',
        });
        shownAt = Date.now();
        await new Promise((r) => setTimeout(r, Math.max(0, OUTAGE_MS - (Date.now() - cutAt))));
      } finally {
        await cut.restore();
      }
      const restoredAt = Date.now();
      const ownLoss = (await events(carol)).find((e) => e.type === 'reconnecting' && e.at >= cutAt);
      console.log(`# server heartbeat, network cut: Alice saw Carol reconnecting after ${shownAt - cutAt} ms; Carol's SDK after ${ownLoss ? ownLoss.at - cutAt : 'never'} ms`);
      assert.ok(shownAt - cutAt <= 5_000, `the others see it within 5 s (${shownAt - cutAt} ms)`);
      assert.ok(ownLoss !== undefined && ownLoss.at - cutAt <= 5_000, `the victim's own SDK notices within 5 s (${ownLoss ? ownLoss.at - cutAt : 'never'})`);

      await waitFor(async () => (await events(carol)).some((e) => e.type === 'reconnected' && e.at >= restoredAt), { timeout: 15_000, interval: 100, message: 'Carol reconnects' });
      const reconnected = (await events(carol)).find((e) => e.type === 'reconnected' && e.at >= restoredAt)!;
      console.log(`# server heartbeat: Carol reconnected ${reconnected.at - restoredAt} ms after the network returned (resumed: ${reconnected.text})`);
      assert.equal(reconnected.text, 'true', 'the same session resumed');
      assert.equal(await selfId(carol), idBefore);
      await waitFor(() => alice.evaluate((sel) => document.querySelector(`${sel}[data-connection="reconnecting"]`) === null, tileSelector('Carol')), {
        timeout: 10_000,
        interval: 50,
        message: 'Alice sees Carol connected again',
      });
      await expectTilePlaying(alice, 'Alice', 'Carol');
    })(),
  );
});
